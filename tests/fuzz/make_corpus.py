#!/usr/bin/env python3
"""Writes the seed corpus tests/fuzz/corpus/<target>/ from data/ and the
README's examples (run from anywhere; needs protoc for the raw requests).
Seeds are small: data files are cut to their first top-level entries. Files
named crash-* or regression-* (inputs that once broke something) are left
alone; everything else is rewritten."""
import base64, hashlib, hmac, os, re, subprocess, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(ROOT, 'tests', 'fuzz', 'corpus')


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def head_entries(path, limit=2500):
    """The file's leading comments and first top-level entries, at most about
    `limit` bytes, cut at an entry's end so it still parses."""
    text = open(os.path.join(ROOT, path), encoding='utf-8').read()
    out, depth, cut = [], 0, 0
    for i, ch in enumerate(text):
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                cut = i + 1
                if cut > limit:
                    break
    return text[:cut] + '\n' if cut else text


# text: addresses and strings of every width.
for i, s in enumerate([
        '天河路385号', '广州市天河区五山街道 华南农业大学（东区）３栋－１０１', 'Ｔｉａｎｈｅ Ｒｏａｄ，No．１',
        '1-23号/4#', 'e\u0301\u200b\u3000中文', '\U0001F600 emoji', '\xa0\u2014\u2212—',
        'abc', '']):
    write('text', f'seed-{i:02d}', s)
write('text', 'seed-invalid-1', b'\xe5\xa4 \xa9')
write('text', 'seed-invalid-2', b'\xed\xa0\x80 surrogate \xf4\x90\x80\x80 \xc0\xaf')

# raw_request: the method's index in hotline.v1.Hotline, then its request.
methods = re.findall(r'rpc (\w+)\((\w+)\)',
                     open(os.path.join(ROOT, 'protos/hotline/v1/gateway.proto')).read()
                     .split('service Hotline', 1)[1].split('\n}', 1)[0])
requests = {
    'CreateWorkOrder': 'idempotency_key: "call-0001" type: ORDER_TYPE_COMPLAINT caller { name: "张先生" phone: "13812345678" } '
                       'location { district_code: "440106" street_code: "440106001" address: "天河路385号" } '
                       'category_code: "0101" content: "夜间施工噪声扰民" handling_time { seconds: 312 }',
    'GetWorkOrder': 'id: "GZ20261128000001"',
    'Act': 'order_id: "GZ20261128000001" action: ACTION_SIGN note: "已签收"',
    'SearchKnowledge': 'query: "德国驾照怎么换成中国的" code_prefix: "KB.20" limit: 5',
    'ListUnits': 'parent_code: "440106"',
}
for name, text in requests.items():
    index = [m for m, _ in methods].index(name)
    req = dict(methods)[name]
    wire = subprocess.run(['protoc', '-I', os.path.join(ROOT, 'protos'), '-I', '/usr/include',
                           f'--encode=hotline.v1.{req}', 'hotline/v1/gateway.proto'],
                          input=text.encode(), capture_output=True, check=True).stdout
    write('raw_request', f'seed-{name}', bytes([index]) + wire)
    if name == 'CreateWorkOrder':  # the case the check exists for: a name that is not UTF-8
        bad = wire.replace('张先生'.encode(), b'\xe5\xbc\xa0\xff\xfe\xfd\xe7\x94\x9f')
        write('raw_request', f'seed-{name}-bad-utf8', bytes([index]) + bad)

# jwt: mode 0 raw token, 1 header '\n' payload (signed by the target), 2 claims.
SECRET = b'fuzz-secret-0123456789abcdef0123456789'
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()
header = '{"alg":"HS256","typ":"JWT","kid":"k1"}'
payload = ('{"iss":"hotline","aud":"hotline-gateway","sub":"agent-1","jti":"0123456789abcdef",'
           '"role":"ROLE_AGENT","unit":"GZ12345","name":"王小明","iat":1789990000,"exp":1790090000}')
signing = b64(header.encode()) + '.' + b64(payload.encode())
token = signing + '.' + b64(hmac.new(SECRET, signing.encode(), hashlib.sha256).digest())
write('jwt', 'seed-token', b'\x00' + token.encode())
write('jwt', 'seed-token-none', b'\x00' + (b64(b'{"alg":"none"}') + '.' + b64(payload.encode()) + '.').encode())
write('jwt', 'seed-json', b'\x01' + (header + '\n' + payload).encode())
write('jwt', 'seed-json-expired', b'\x01' + (header + '\n' + payload.replace('1790090000', '1')).encode())
write('jwt', 'seed-claims', b'\x02' + '0123456789abcdef\nagent-1\n王小明\nGZ12345\n\x01'.encode())

# identity: flags, user, role, unit, expiry (ms), signature.
write('identity', 'seed-signed', b'\x20' + b'agent-1\n1\nGZ12345\n1790000000000\n')
write('identity', 'seed-stale', b'\x20' + b'agent-1\n1\nGZ12345\n1789000000000\n')
write('identity', 'seed-forged', b'\x00' + b'agent-1\n1\nGZ12345\n1790000000000\n' + b'0' * 64)
write('identity', 'seed-no-unit', b'\x24' + b'agent-1\n3\n\n1790000000000\n')

# data_loaders: "# <kind>" then the file.
for kind, path in [('units', 'data/units.textproto'), ('categories', 'data/categories.textproto'),
                   ('city', 'data/city.textproto'), ('calendar', 'data/calendar/2026.textproto'),
                   ('sla_policies', 'data/sla_policies.textproto'),
                   ('scoring_rules', 'data/scoring_rules.textproto'),
                   ('catalogue', 'data/dispatch_catalogue.textproto'),
                   ('knowledge_seed', 'data/knowledge/seed_24_pets.textproto'),
                   ('synonyms', 'data/knowledge/synonyms.textproto'),
                   ('search_settings', 'data/knowledge_search.textproto'),
                   ('tokens', 'config/tokens.textproto')]:
    limit = 4000 if kind in ('sla_policies', 'scoring_rules', 'calendar') else 2500
    write('data_loaders', f'seed-{kind}', f'# {kind}\n' + head_entries(path, limit))
write('data_loaders', 'seed-calendar-2025', '# calendar\n' + head_entries('data/calendar/2025.textproto', 4000))
write('data_loaders', 'seed-jwt_keys',
      '# jwt_keys\nkeys { id: "2026-01" secret: "0123456789abcdef0123456789abcdef" }\n'
      'keys { id: "2026-06" secret: "fedcba9876543210fedcba9876543210" }\n')

# knowledge_query: a code or prefix, '\n', a query.
for i, s in enumerate(['KB.05\n户口迁移需要什么材料', 'KB.05.01.001\n新生儿怎么上户口',
                       'KB\n我想问一下 13812345678 的事情', 'KB.20.03\n德国驾照怎么换成中国的',
                       'KB.5\n身份证丢了', '\n的了吗', 'KB.05.01\nhukou transfer']):
    write('knowledge_query', f'seed-{i:02d}', s)

# cli_args: flags byte (bit 0: environment set), then argv split by NUL.
for i, argv in enumerate([
        ['whoami'],
        ['create', '--type', 'complaint', '--district', '440106', '--street', '440106001',
         '--category', '0101', '--phone', '13812345678', '--name', '张先生', '--content',
         '夜间施工噪声扰民', '--idempotency-key', 'call-0001', '--handling-time', '312'],
        ['--json', 'get', 'GZ20261128000001'],
        ['list', '--district', '440106', '--state', 'created'],
        ['kb', 'search', '德国驾照怎么换成中国的'],
        ['act', 'GZ20261128000001', 'callback', '--rating', 'satisfied', '--timeout=2.5'],
        ['extend', 'GZ20261128000001', '--due', '2026-12-30', '--reason', '需要现场勘查'],
        ['calendar', '--from', '2026-09-18T10:00:00+08:00', '--add-days', '20'],
        ['rank', '--level', 'district', '--month', '2026-11', '--gateway=host:1'],
        ['help', 'create'], ['--', '-x']]):
    write('cli_args', f'seed-{i:02d}', bytes([i & 1]) + '\0'.join(argv).encode())

# history_json: stored history entries as protobuf's printer and
# history_chain.lua write them, and cjson-style variants.
chain = ',"prev_hash":"0a1b2c3d4e5f60718293a4b5c6d7e8f901234567","hash":"ffeeddccbbaa99887766554433221100ffeeddcc"}'
for i, s in enumerate([
        '{"seq":"1","at":"2026-11-28T09:15:02.123Z","actor":{"user_id":"agent001","role":"ROLE_AGENT",'
        '"unit_code":"GZ12345"},"action":"create","to_state":"ORDER_STATE_CREATED","unit_code":"440106",'
        '"note":"夜间施工噪声扰民"' + chain,
        '{"seq":"4","at":"2026-11-29T01:00:00Z","actor":{"user_id":"sla","role":"ROLE_ADMIN"},'
        '"action":"sla_warning","from_state":"ORDER_STATE_SIGNED","to_state":"ORDER_STATE_SIGNED",'
        '"sla_mark":"closing.0.warning.1","extension_due":"2026-12-08T03:00:00.123456789Z"' + chain,
        '{"seq":7,"action":"unit_merge","note":"http:\\/\\/x\\/y \\u5929\\u6cb3 \\ud83d\\ude00","unit_code":"GZ2"}',
        '{ "seq" : 2 ,\n\t"actor" : { } , "at":"2024-02-29T23:59:59.5Z" }\r\n',
        '{"seq":"3","action":"sla_deadline","sla_record":{"policy":"p","deadlines":[{"key":"closing.0",'
        '"due":"2026-12-08T03:00:00Z"}]},"reference_versions":{"units":"3"},"unknown":[1,null]}',
        '{"note":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u007f"}',
        '{}']):
    write('history_json', f'seed-{i:02d}', s)
