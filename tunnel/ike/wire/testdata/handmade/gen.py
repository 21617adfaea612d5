#!/usr/bin/env python3
"""Regenerates the hand-laid IKE messages in this directory.

Every field is packed with struct from the RFC 7296 / RFC 7383 diagrams,
independently of the Go encoder, so the golden test compares the Go codec
against a second, separate reading of the RFC.
"""
import struct


def gp(nxt, body, crit=0):
    """Generic payload header + body."""
    return struct.pack('>BBH', nxt, crit, 4 + len(body)) + body


def hdr(spii, spir, nxt, ex, flags, mid, total):
    return struct.pack('>QQBBBBII', spii, spir, nxt, 0x20, ex, flags, mid, total)


def msg(spii, spir, ex, flags, mid, payloads):
    """payloads: (type, body) pairs; a last SK may carry its inner first type."""
    chain = b''
    for i, (t, body, *rest) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else (rest[0] if rest else 0)
        chain += gp(nxt, body)
    first = payloads[0][0] if payloads else 0
    return hdr(spii, spir, first, ex, flags, mid, 28 + len(chain)) + chain


def transform(last, ttype, tid, attrs=b''):
    return struct.pack('>BBHBBH', 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def proposal(last, num, proto, spi, transforms):
    body = b''.join(transform(i == len(transforms) - 1, *t) for i, t in enumerate(transforms))
    return struct.pack('>BBHBBBB', 0 if last else 2, 0, 8 + len(spi) + len(body),
                       num, proto, len(spi), len(transforms)) + spi + body


def notify(ntype, data=b'', proto=0, spi=b''):
    return struct.pack('>BBH', proto, len(spi), ntype) + spi + data


def kl(n):
    return struct.pack('>HH', 0x800e, n)


SPII, SPIR = 0x1122334455667788, 0x99aabbccddeeff00
files = {}
sa_i = (proposal(False, 1, 1, b'', [(1, 20, kl(256)), (2, 5), (4, 31)]) +
        proposal(True, 2, 1, b'', [(1, 12, kl(256)), (3, 12), (2, 5), (4, 14)]))
files['init_request'] = (msg(SPII, 0, 34, 0x08, 0, [
    (33, sa_i), (34, struct.pack('>HH', 31, 0) + bytes(range(32))), (40, bytes(range(100, 132))),
    (41, notify(16388, bytes(20))), (41, notify(16389, bytes([1]) * 20)), (41, notify(16430)),
    (41, notify(16431, struct.pack('>HHH', 2, 3, 4))), (41, notify(16406)), (43, b'FLEXVPN-SUPPORTED')]),
    'SA KE No N N N N N V')
sa_r = proposal(True, 1, 1, b'', [(1, 20, kl(256)), (2, 5), (4, 31)])
files['init_response'] = (msg(SPII, SPIR, 34, 0x20, 0, [
    (33, sa_r), (34, struct.pack('>HH', 31, 0) + bytes(range(50, 82))), (40, bytes(range(1, 33))),
    (41, notify(16388, bytes(20))), (41, notify(16389, bytes(20))), (38, bytes([4]) + bytes(range(20))),
    (41, notify(16430)), (43, bytes.fromhex('4048b7d56ebce88525e7de7f00d6c2d3'))]),
    'SA KE No N N CERTREQ N V')
files['init_response_cookie'] = (msg(SPII, 0, 34, 0x20, 0, [(41, notify(16390, bytes(range(16))))]), 'N')
files['init_response_invalid_ke'] = (msg(SPII, 0, 34, 0x20, 0, [(41, notify(17, struct.pack('>H', 19)))]), 'N')
files['auth_request_sk'] = (msg(SPII, SPIR, 35, 0x08, 1, [(46, bytes(range(96)), 35)]), 'SK')
files['auth_response_skf'] = (
    hdr(SPII, SPIR, 53, 35, 0x20, 1, 28 + 8 + 64) + struct.pack('>BBHHH', 0, 0, 8 + 64, 2, 3) + bytes(range(64)),
    'SKF')
files['informational_sk'] = (msg(SPII, SPIR, 37, 0x08, 2, [(46, bytes(48), 0)]), 'SK')

for name, (b, types) in files.items():
    with open(name + '.bin', 'wb') as f:
        f.write(b)
    with open(name + '.payloads', 'w') as f:
        f.write(types + '\n')
