#!/usr/bin/env bash
# images_ready.sh — print "yes" when the Docker engine answers and every base image is there,
# built from its current recipe (what `make images` would leave as it is); nothing otherwise.
# The Makefile reads it to order make test's checks.
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$top/hack/lib.sh"
for suite in $HR_SUITES; do
    label=$(docker image inspect --format '{{ index .Config.Labels "hardened-relay.recipe" }}' "$(base_image "$suite")" 2>/dev/null) || exit 0
    [ "$label" = "$(image_recipe "$suite")" ] || exit 0
done
echo yes
