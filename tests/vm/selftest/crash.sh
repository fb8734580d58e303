#!/bin/bash
# Harness self-test: panics the guest kernel (sysrq c). The harness must FAIL
# it and every scenario after it in the same VM.
echo "crashing the guest kernel"
echo c >/proc/sysrq-trigger
sleep 5
