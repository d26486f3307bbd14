#!/bin/sh
# As the official node image's entrypoint behaves: `docker run IMAGE app.js` or
# `docker run IMAGE --version` runs node with those arguments; a command runs as given.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" 2>/dev/null)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
