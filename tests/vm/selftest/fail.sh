#!/bin/bash
# Harness self-test: must be classified FAIL (non-zero exit), and its
# "RESULT FAIL sub" line must become "FAIL tests/vm/selftest/fail.sh:sub".
echo "this scenario fails on purpose"
echo "RESULT FAIL sub"
exit 3
