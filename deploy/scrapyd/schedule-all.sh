#!/bin/sh
# Schedule one Scrapyd job per site of the deployed taphuan-crawler project (docs/scheduling.md).
# Scrapyd runs spiders, not commands, so this is the Scrapyd counterpart of `scrapy crawlall`.
#   SCRAPYD_URL (default http://127.0.0.1:6800), SCRAPYD_PROJECT (default taphuan-crawler);
#   arguments are passed to every job, e.g.: schedule-all.sh -d since=2026-01-01
set -eu
url=${SCRAPYD_URL:-http://127.0.0.1:6800}
project=${SCRAPYD_PROJECT:-taphuan-crawler}

spiders=$(curl -fsS "$url/listspiders.json?project=$project" | python3 -c '
import json, sys
reply = json.load(sys.stdin)
if reply.get("status") != "ok":
    sys.exit(f"listspiders.json: {reply}")
print("\n".join(s for s in reply["spiders"] if s != "generic"))
')
[ -n "$spiders" ] || { echo "no site spiders in project $project" >&2; exit 1; }

for spider in $spiders; do
    printf '%s: ' "$spider"
    curl -fsS "$url/schedule.json" -d project="$project" -d spider="$spider" "$@"
    echo
done
