#!/usr/bin/env bash
# Refreshes the dashboard screenshots shown in docs/ui.md (docs/ui/*.png) by running the browser tests with their
# screenshot folder pointed there. Not part of `./mvnw verify` (which writes them under server/target/ui-screenshots).
# Needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/ui
./mvnw -B -q -pl server -am test -Dcheckstyle.skip -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest=BrowserIntegrationTest -Dui.screenshots="$(pwd)/docs/ui"
ls -l docs/ui/*.png
