#!/usr/bin/env bash
# Dump and restore throughput and peak memory: `dbtwin dump create` (10 transformers, zstd,
# encryption, a file bridge) beside `pg_dump | zstd > file` and `mariadb-dump | zstd > file` on the
# same database, then `dbtwin dump restore` beside `zstd -d | psql` and `zstd -d | mariadb`.
# Prints a table with ratios (dbtwin throughput / the pipe's) and peak RSS, saved to a report.
# Usage: sudo bench/dump.sh [--sizes 1G,5G] [--engines postgres,mariadb] [--jobs N] [--data pii|shop]
#   --data pii (default): one table whose every row holds 10 masked values, the worst case.
#   --data shop: the same table as a fifth of the bytes, and an orders table without personal data
#   as the rest, as in a typical application database.
# Environment: DBTWIN_BUILD_DIR (default build/), DBTWIN_BENCH_WORK (default /var/tmp/dbtwin-dump-bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DBTWIN_BUILD_DIR:-$root/build}"
work="${DBTWIN_BENCH_WORK:-/var/tmp/dbtwin-dump-bench}"
sizes=1G,5G
data=pii
engines=postgres,mariadb
jobs=2
while (($#)); do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --engines) engines=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "bench/dump.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ $data != pii && $data != shop ]]; then
  echo "bench/dump.sh: --data is pii or shop" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "bench/dump.sh: needs root (the service user the servers run as)" >&2
  exit 2
fi

"$root/scripts/install-deps.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target dbtwin >/dev/null
dbtwin=("$build/dbtwin" --state-dir "$work/state" --pool-driver copy --port-range 29500-29599 -q)
report="/var/tmp/dbtwin-dump-bench-$(date +%Y%m%d-%H%M%S).txt"

cleanup() {
  for t in bench_postgres bench_mariadb; do "${dbtwin[@]}" template delete "$t" --force >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work/bridge" "$work/pipe"
chmod 755 "$work"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key"
chmod 600 "$work/key"
export DBTWIN_MASK_SECRET=bench-secret-0123456789

# Ten transformers on the columns that hold personal data.
rules() {
  local db=$1
  cat <<YAML
version: 1
deterministic: true
secret_env: DBTWIN_MASK_SECRET
columns:
  $db.people.first_name: first-name
  $db.people.last_name: last-name
  $db.people.email: {transformer: email, unique: true}
  $db.people.phone: phone-number
  $db.people.card: credit-card
  $db.people.city: city
  $db.people.country: country
  $db.people.company: company
  $db.people.ip: ip
  $db.people.amount: {transformer: noise, spread: 0.1}
YAML
}

log() { echo "[$(date +%T)] $*" >&2; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.1f}')" "$1"; }
# The whole machine's busy CPU time so far, in clock ticks (user, nice, system, irq, softirq):
# it counts the database server's work too, which a per-process figure would miss.
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
ticks=$(getconf CLK_TCK)
cpu_since() { python3 -c "print(($(cpu_ticks) - $1) / $ticks)"; } # seconds of CPU since cpu_ticks said $1
# Runs a command under GNU time; sets $elapsed (s), $rss (KiB of the biggest process) and $cpu
# (seconds of CPU the whole machine spent meanwhile).
measure() {
  local out start
  out=$(mktemp)
  start=$(cpu_ticks)
  /usr/bin/time -f '%e %M' -o "$out" "$@"
  cpu=$(cpu_since "$start")
  read -r elapsed rss <"$out"
  rm -f "$out"
}
pipe_rss() { # the larger of two processes' peaks in a pipeline, from two time files
  sort -n "$@" | tail -1
}

declare -a rows
url_of() { "${dbtwin[@]}" --json clone show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])'; }

fill_postgres() { # url bytes
  local rows=$(($2 / 220))
  psql -X -q -v ON_ERROR_STOP=1 "$1" <<SQL
CREATE TABLE people (id bigint PRIMARY KEY, first_name text, last_name text, email text UNIQUE,
  phone text, card text, city text, country text, company text, ip text, amount numeric(10,2),
  created_at timestamptz, notes text);
INSERT INTO people SELECT g, 'first'||(g%997), 'last'||(g%1009), 'user'||g||'@mail.example.com',
  '+1 555 '||lpad((g%10000000)::text,7,'0'), '4111 1111 '||lpad((g%100000000)::text,8,'0'),
  'city'||(g%211), 'country'||(g%97), 'company'||(g%5003), '10.'||(g%250)||'.'||(g%251)||'.'||(g%252),
  (g%100000)/100.0, now() - (g%100000)*interval '1 minute', md5(g::text)||md5((g+1)::text)
FROM generate_series(1, $rows) g;
SQL
}

fill_mariadb() { # url bytes
  local rows=$(($2 / 220)) host port user pass db
  read -r user pass host port db < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.unquote(p.username), u.unquote(p.password), p.hostname, p.port, p.path[1:])' "$1")
  MYSQL_PWD=$pass mariadb -u"$user" -h"$host" -P"$port" "$db" <<SQL
CREATE TABLE people (id bigint PRIMARY KEY, first_name varchar(40), last_name varchar(40),
  email varchar(80) UNIQUE, phone varchar(20), card varchar(24), city varchar(40), country varchar(40),
  company varchar(40), ip varchar(40), amount decimal(10,2), created_at datetime, notes varchar(80));
INSERT INTO people SELECT seq, concat('first',seq%997), concat('last',seq%1009), concat('user',seq,'@mail.example.com'),
  concat('+1 555 ',lpad(seq%10000000,7,'0')), concat('4111 1111 ',lpad(seq%100000000,8,'0')),
  concat('city',seq%211), concat('country',seq%97), concat('company',seq%5003),
  concat('10.',seq%250,'.',seq%251,'.',seq%252), (seq%100000)/100.0, now() - interval (seq%100000) minute,
  concat(md5(seq),md5(seq+1))
FROM seq_1_to_$rows;
SQL
}

# Orders: about 100 bytes a row, no personal data (no rule covers them).
fill_orders_postgres() { # url bytes
  psql -X -q -v ON_ERROR_STOP=1 "$1" <<SQL
CREATE TABLE orders (id bigint PRIMARY KEY, person_id bigint, status text, placed_at timestamptz,
  total numeric(10,2), items int, note text);
INSERT INTO orders SELECT g, g % 1000003, (ARRAY['new','paid','shipped','returned'])[g % 4 + 1],
  now() - (g % 1000000) * interval '1 second', (g % 50000) / 100.0, g % 9 + 1, md5(g::text)
FROM generate_series(1, $(($2 / 100))) g;
SQL
}

fill_orders_mariadb() { # url bytes
  local host port user pass db
  read -r user pass host port db < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.unquote(p.username), u.unquote(p.password), p.hostname, p.port, p.path[1:])' "$1")
  MYSQL_PWD=$pass mariadb -u"$user" -h"$host" -P"$port" "$db" <<SQL
CREATE TABLE orders (id bigint PRIMARY KEY, person_id bigint, status varchar(10), placed_at datetime,
  total decimal(10,2), items int, note varchar(40));
INSERT INTO orders SELECT seq, seq % 1000003, elt(seq % 4 + 1, 'new', 'paid', 'shipped', 'returned'),
  now() - interval (seq % 1000000) second, (seq % 50000) / 100.0, seq % 9 + 1, md5(seq)
FROM seq_1_to_$(($2 / 100));
SQL
}

pipe_dump() { # engine url file
  local t1 t2
  t1=$(mktemp) t2=$(mktemp)
  local start=$(date +%s.%N) ticks0=$(cpu_ticks)
  if [[ $1 == postgres ]]; then
    /usr/bin/time -f '%M' -o "$t1" pg_dump --no-owner --no-privileges "$2" | /usr/bin/time -f '%M' -o "$t2" zstd -q -3 -o "$3"
  else
    read -r user pass host port db < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.unquote(p.username), u.unquote(p.password), p.hostname, p.port, p.path[1:])' "$2")
    MYSQL_PWD=$pass /usr/bin/time -f '%M' -o "$t1" mariadb-dump --single-transaction -u"$user" -h"$host" -P"$port" "$db" |
      /usr/bin/time -f '%M' -o "$t2" zstd -q -3 -o "$3"
  fi
  elapsed=$(python3 -c "import time,sys; print(time.time()-float(sys.argv[1]))" "$start")
  cpu=$(cpu_since "$ticks0")
  rss=$(pipe_rss "$t1" "$t2")
  rm -f "$t1" "$t2"
}

pipe_restore() { # engine url file
  local t1 t2
  t1=$(mktemp) t2=$(mktemp)
  local start=$(date +%s.%N)
  if [[ $1 == postgres ]]; then
    /usr/bin/time -f '%M' -o "$t1" zstd -q -d -c "$3" | /usr/bin/time -f '%M' -o "$t2" psql -X -q -v ON_ERROR_STOP=1 "$2" >/dev/null
  else
    read -r user pass host port db < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.unquote(p.username), u.unquote(p.password), p.hostname, p.port, p.path[1:])' "$2")
    /usr/bin/time -f '%M' -o "$t1" zstd -q -d -c "$3" | MYSQL_PWD=$pass /usr/bin/time -f '%M' -o "$t2" mariadb -u"$user" -h"$host" -P"$port" "$db"
  fi
  elapsed=$(python3 -c "import time,sys; print(time.time()-float(sys.argv[1]))" "$start")
  rss=$(pipe_rss "$t1" "$t2")
  rm -f "$t1" "$t2"
}

admin_sql() { # engine url sql
  if [[ $1 == postgres ]]; then
    psql -X -q -v ON_ERROR_STOP=1 "$2" -c "$3" >/dev/null
  else
    read -r user pass host port db < <(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.unquote(p.username), u.unquote(p.password), p.hostname, p.port, p.path[1:])' "$2")
    MYSQL_PWD=$pass mariadb -u"$user" -h"$host" -P"$port" "$db" -e "$3"
  fi
}

# Before each measured run: the server's dirty pages and the page cache written out, so that a run
# never pays for the writes of the one before it (a restore right after another one was up to
# 30% slower on PostgreSQL while the first one's checkpoint ran).
settle() { # engine url
  [[ $1 == postgres ]] && admin_sql "$1" "$2" "CHECKPOINT"
  sync
  sleep 3
}

with_db() { python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(u.urlunparse(p._replace(path="/"+sys.argv[2])))' "$1" "$2"; }

for engine in ${engines//,/ }; do
  log "$engine: an empty template and two clones (source and target servers)"
  "${dbtwin[@]}" template create "bench_$engine" --engine "$engine" --empty --database bench >/dev/null
  "${dbtwin[@]}" clone create "bench_$engine" src >/dev/null
  "${dbtwin[@]}" clone create "bench_$engine" dst >/dev/null
  src=$(url_of src) dst=$(url_of dst)
  for size in ${sizes//,/ }; do
    bytes=$(numfmt --from=iec "$size")
    log "$engine $size: generating the rows ($data)"
    admin_sql "$engine" "$src" "DROP TABLE IF EXISTS people"
    admin_sql "$engine" "$src" "DROP TABLE IF EXISTS orders"
    if [[ $data == pii ]]; then
      "fill_$engine" "$src" "$bytes"
    else
      "fill_$engine" "$src" $((bytes / 5))
      "fill_orders_$engine" "$src" $((bytes - bytes / 5))
    fi
    # A table just written is not one at rest: PostgreSQL's first full read sets every row's
    # hint bits (writing every page), which cost the pipe, measured first, about a quarter of
    # its time. Every measured run reads the table as a settled database holds it.
    log "$engine $size: settling the table (VACUUM ANALYZE; CHECKSUM TABLE on MariaDB)"
    if [[ $engine == postgres ]]; then
      admin_sql "$engine" "$src" "VACUUM ANALYZE"
    else
      admin_sql "$engine" "$src" "ANALYZE TABLE people; CHECKSUM TABLE people" >/dev/null
      [[ $data == shop ]] && admin_sql "$engine" "$src" "ANALYZE TABLE orders; CHECKSUM TABLE orders" >/dev/null
    fi
    db=bench
    [[ $engine == postgres ]] && db=public
    rules "$db" >"$work/rules.yaml"
    dname="d${size,,}"

    settle "$engine" "$src"
    log "$engine $size: pipe dump"
    pipe_dump "$engine" "$src" "$work/pipe/dump.zst"
    p_dump=$elapsed p_dump_rss=$rss p_dump_cpu=$cpu
    settle "$engine" "$src"
    log "$engine $size: dbtwin dump create"
    measure "${dbtwin[@]}" dump create --source "$src" --rules "$work/rules.yaml" --bridge "file://$work/bridge" \
      --name "$dname" --key-file "$work/key" --jobs "$jobs"
    d_dump=$elapsed d_dump_rss=$rss d_dump_cpu=$cpu
    # The same dump without rules: what masking costs, apart from reading, zstd and encryption.
    settle "$engine" "$src"
    log "$engine $size: dbtwin dump create, no masking rules"
    measure "${dbtwin[@]}" dump create --source "$src" --bridge "file://$work/bridge" \
      --name "${dname}-plain" --key-file "$work/key" --jobs "$jobs"
    d_plain=$elapsed d_plain_cpu=$cpu

    for n in p d m; do admin_sql "$engine" "$dst" "DROP DATABASE IF EXISTS r$n"; done
    admin_sql "$engine" "$dst" "CREATE DATABASE rp"
    settle "$engine" "$dst"
    log "$engine $size: pipe restore"
    pipe_restore "$engine" "$(with_db "$dst" rp)" "$work/pipe/dump.zst"
    p_rest=$elapsed p_rest_rss=$rss
    settle "$engine" "$dst"
    log "$engine $size: dbtwin dump restore"
    # The restore ratio compares the same rows: the pipe restores the original data, so dbtwin
    # restores its no-rules dump. Masked rows differ (random fake values make a costlier unique
    # index than sequential ones), so their restore is shown apart.
    measure "${dbtwin[@]}" dump restore "file://$work/bridge" "${dname}-plain" --key-file "$work/key" --to "$(with_db "$dst" rd)"
    d_rest=$elapsed d_rest_rss=$rss
    settle "$engine" "$dst"
    log "$engine $size: dbtwin dump restore, masked rows"
    measure "${dbtwin[@]}" dump restore "file://$work/bridge" "$dname" --key-file "$work/key" --to "$(with_db "$dst" rm)"
    d_rest_masked=$elapsed
    for n in p d m; do admin_sql "$engine" "$dst" "DROP DATABASE IF EXISTS r$n"; done
    pipe_bytes=$(stat -c %s "$work/pipe/dump.zst")
    ours_bytes=$(du -sb "$work/bridge/$dname" | cut -f1)
    rows+=("$(printf '%-8s %-5s %-4s | dump: pipe %6.1fs %6s RSS, dbtwin %6.1fs %6s RSS, ratio %4.2fx (no rules: %6.1fs, %4.2fx) | restore: pipe %6.1fs, dbtwin %6.1fs %6s RSS, ratio %4.2fx (masked rows: %6.1fs) | stored: pipe %s, dbtwin %s' \
      "$engine" "$size" "$data" "$p_dump" "$(numfmt --to=iec $((p_dump_rss * 1024)))" "$d_dump" "$(numfmt --to=iec $((d_dump_rss * 1024)))" \
      "$(python3 -c "print($p_dump/$d_dump)")" "$d_plain" "$(python3 -c "print($p_dump/$d_plain)")" "$p_rest" "$d_rest" "$(numfmt --to=iec $((d_rest_rss * 1024)))" \
      "$(python3 -c "print($p_rest/$d_rest)")" "$d_rest_masked" "$(numfmt --to=iec "$pipe_bytes")" "$(numfmt --to=iec "$ours_bytes")")")
    # Where a 2-core machine's time goes: masking's CPU cost per value is the masked dump's CPU
    # less the no-rules dump's, over the 10 masked values of each people row.
    people_bytes=$bytes
    [[ $data == shop ]] && people_bytes=$((bytes / 5))
    rows+=("$(python3 -c "
p, d, n, pw, values = $p_dump_cpu, $d_dump_cpu, $d_plain_cpu, $p_dump, $((people_bytes / 220 * 10))
print(f'{\"\":19}| cpu (whole machine): pipe {p:.1f}s ({p / pw:.2f} of $(nproc) cores busy), dbtwin {d:.1f}s, no rules {n:.1f}s'
      f' | masking: {(d - n) * 1e9 / values:.0f} ns of CPU a value over {values} values')")")
    rm -f "$work/pipe/dump.zst"
    "$build/dbtwin" -q dump delete "file://$work/bridge" "$dname" >/dev/null
    "$build/dbtwin" -q dump delete "file://$work/bridge" "${dname}-plain" >/dev/null
  done
  "${dbtwin[@]}" template delete "bench_$engine" --force >/dev/null
done

{
  echo "dbtwin dump bench, $(date -u +%F), $(nproc) cores; ratio = pipe seconds / dbtwin seconds (above 1: dbtwin faster)"
  echo "dbtwin: 10 transformers, zstd level 3, secretstream encryption, file bridge, --jobs $jobs; pipe: engine dump tool | zstd -3"
  echo "data: $data ($([[ $data == pii ]] && echo 'one table, 10 masked values a row' || echo 'people a fifth of the bytes, orders without personal data the rest'))"
  printf '%s\n' "${rows[@]}"
} | tee "$report"
echo "report saved to $report" >&2
