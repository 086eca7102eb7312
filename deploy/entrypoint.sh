#!/bin/sh
# The container's entry: bring the schema up to date (and load the starter catalog on a new database), then
# become the bot. Several containers may start at once: `filmbot db upgrade` takes the database's setup lock,
# so one migrates while the others wait. `exec` replaces this shell with filmbot, so the SIGTERM of
# `docker stop` reaches filmbot itself and it shuts down cleanly.
#   entrypoint.sh            -> filmbot run
#   entrypoint.sh db dump    -> filmbot db dump (any filmbot command)
set -eu
filmbot db upgrade
if [ "$#" -eq 0 ]; then
  set -- run
fi
exec filmbot "$@"
