#include "cli/app.h"

int main(int argc, char** argv) {
  return dbtwin::cli::run(argc, argv);
}
