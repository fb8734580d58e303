#!/bin/bash
# vm-timeout: 8
# Harness self-test: hangs, ignoring SIGTERM (its children inherit that), so
# the watchdog must time it out, SIGKILL the session, and go on.
trap '' TERM
echo "hanging"
while :; do sleep 1; done
