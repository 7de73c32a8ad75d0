#!/usr/bin/env python3
"""Assembles docs/openapi.yaml from docs/openapi/*.yaml in name order.

00-platform.yaml holds the header, components and the platform's paths (it
ends inside `paths:`); every other fragment holds path items indented as they
stand under `paths:` (two spaces, "  /api/v1/...:"). Run it after changing a
fragment; tests/api/openapi_test.c checks the result against the routing table
and that it is up to date.
"""
import glob
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
parts = sorted(glob.glob(os.path.join(root, 'docs', 'openapi', '*.yaml')))
text = ''
for p in parts:
    with open(p, encoding='utf-8') as f:
        chunk = f.read()
    if not chunk.endswith('\n'):
        chunk += '\n'
    text += chunk
out = os.path.join(root, 'docs', 'openapi.yaml')
if '--check' in sys.argv:
    with open(out, encoding='utf-8') as f:
        sys.exit(0 if f.read() == text else 1)
with open(out, 'w', encoding='utf-8') as f:
    f.write(text)
