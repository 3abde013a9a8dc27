// Signals for a daemon: block them everywhere and wait for them in one thread, so that no
// handler runs on a random thread in the middle of a catalog write.
#pragma once

#include <initializer_list>

#include "base/result.h"

namespace dbtwin::os {

// Blocks the signals in the calling thread; threads started afterwards inherit the mask.
// Children still start with an empty mask (see ChildProcess).
Status block_signals(std::initializer_list<int> signals);
// Waits until one of the (blocked) signals arrives and returns it.
Result<int> wait_for_signal(std::initializer_list<int> signals);
// Sends a signal to this process (used to wake the waiting thread on shutdown).
Status raise_in_process(int sig);

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER), so that a
// clone server it started, once dead, is reaped at once instead of by a slow pid 1.
Status become_subreaper();

}  // namespace dbtwin::os
