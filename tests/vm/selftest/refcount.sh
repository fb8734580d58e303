#!/bin/bash
# Harness self-test: like warn.sh, with a refcount_t misuse; must be FAIL.
exec "$(dirname "$0")/warn.sh" refcount
