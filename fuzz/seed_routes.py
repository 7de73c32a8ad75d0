#!/usr/bin/env python3
"""Writes the seed inputs of the route target (fuzz/corpus/route/): for every
route of the routing table, its index byte, a caller/parameter byte and a body
with every member its request schema in docs/openapi.yaml names (the example
when there is one). Run again after routes are added or moved: the first byte
is the route's index in the table."""
import json, os, re, sys, yaml

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def routes():
    out = []
    def read(name):
        for line in open(os.path.join(root, 'src/api', name), encoding='utf-8'):
            m = re.match(r'\s*#include "api/(routes_\w+\.def)"', line)
            if m:
                read(m.group(1))
                continue
            m = re.match(r'ROUTE\("(\w+)",\s*"([^"]+)"', line)
            if m:
                out.append((m.group(1), m.group(2)))
    read('routes.def')
    return out

def value(schema, spec, depth=0):
    if '$ref' in schema:
        ref = schema['$ref'].split('/')[-1]
        schema = spec.get('components', {}).get('schemas', {}).get(ref, {})
    if 'example' in schema:
        return schema['example']
    if 'enum' in schema:
        return schema['enum'][0]
    t = schema.get('type')
    if t == 'object' or 'properties' in schema:
        if depth > 3:
            return {}
        return {k: value(v, spec, depth + 1) for k, v in schema.get('properties', {}).items()}
    if t == 'array':
        return [value(schema.get('items', {}), spec, depth + 1)] if depth < 3 else []
    if t == 'integer':
        return 1
    if t == 'number':
        return 1.5
    if t == 'boolean':
        return True
    return 'x'

def main():
    spec = yaml.safe_load(open(os.path.join(root, 'docs/openapi.yaml'), encoding='utf-8'))
    out_dir = os.path.join(root, 'fuzz/corpus/route')
    os.makedirs(out_dir, exist_ok=True)
    for i, (method, pattern) in enumerate(routes()):
        op = spec.get('paths', {}).get(pattern, {}).get(method.lower(), {})
        content = op.get('requestBody', {}).get('content', {})
        schema = content.get('application/json', {}).get('schema')
        body = json.dumps(value(schema, spec), ensure_ascii=False).encode() if schema else b''
        if method in ('POST', 'PUT', 'PATCH') and not body:
            body = b'{}'
        for caller in (0, 1):
            name = 'seed-%03d-%d-%s' % (i, caller, re.sub(r'[^a-z0-9]+', '-', pattern.lower()).strip('-'))
            with open(os.path.join(out_dir, name[:120]), 'wb') as f:
                f.write(bytes([i % 256, caller]) + body)
    return 0

if __name__ == '__main__':
    sys.exit(main())
