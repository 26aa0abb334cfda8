import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4Detector, ipv6Detector, isIpv4, isIpv6 } from './ip-address.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  ipv4Detector,
  [
    ['from 203.0.113.42 rate limited', ['203.0.113.42']],
    ['client_ip=198.51.100.7:8080', ['198.51.100.7']],
    ['X-Forwarded-For: 203.0.113.195, 70.41.3.18', ['203.0.113.195', '70.41.3.18']],
    ['subnet 192.0.2.0/24.', ['192.0.2.0']],
    ['[10.0.0.1]', ['10.0.0.1']],
    ['server 10.0.0.2 is up', ['10.0.0.2']],
  ],
  [
    'version strings v1.2.3.4, version 1.2.3.4, Release 2.0.0.1, build 3.1.0.2',
    'section numbers: RFC 9111 section-5.2.2.4, § 4.2.6.3, Step 2.2.1.2, OID 1.3.101.110',
    'octets over 255: 256.1.1.1 and 1.2.3.999',
    'OID 1.3.6.1.4.1.311',
    'leading zeros 010.001.001.001',
    'three parts 1.2.3 and a decimal 3.14',
    'not personal: 0.0.0.0, 127.0.0.1, 255.255.255.0',
    'Chrome/120.0.6099.109',
  ],
);

detectorTable(
  ipv6Detector,
  [
    ['from 2001:db8:85a3::8a2e:370:7334 limited', ['2001:db8:85a3::8a2e:370:7334']],
    ['full 2001:0db8:85a3:0000:0000:8a2e:0370:7334', ['2001:0db8:85a3:0000:0000:8a2e:0370:7334']],
    ['link-local fe80::1ff:fe23:4567:890a.', ['fe80::1ff:fe23:4567:890a']],
    ['listen [2001:db8::1]:443', ['2001:db8::1']],
    ['mapped ::ffff:192.0.2.128', ['::ffff:192.0.2.128']],
    ['NAT64 64:ff9b::198.51.100.7', ['64:ff9b::198.51.100.7']],
    ['prefix 2001:db8:abcd:12::/64', ['2001:db8:abcd:12::']],
    ['error 2001:db8::5: refused', ['2001:db8::5']],
    ['zone fe80::1%eth0', ['fe80::1']],
  ],
  [
    'times 12:30:45 and 10:30',
    'MAC 00:1A:2B:3C:4D:5E',
    'C++ std::vector and Rust Vec::new()',
    'loopback ::1 and unspecified :: and ::0',
    'long loopback 0:0:0:0:0:0:0:1 and mapped loopback ::ffff:127.0.0.1',
    'two double colons 2001::db8::1',
    'nine groups 1:2:3:4:5:6:7:8:9',
    'a bad hextet 2001:db8::12345',
    'John 3:16 and a ratio 16:9',
  ],
);

test('IPv6 text forms follow RFC 4291 section 2.2', () => {
  for (const s of [
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6::',
    '::2:3:4:5:6:7:8',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
  ])
    assert.equal(isIpv6(s), true, s);
  for (const s of [
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    ':::',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7::8',
    '::1.2.3',
    'g::1',
    '1:2:3:4:5:6:7:1.2.3.4',
  ])
    assert.equal(isIpv6(s), false, s);
});

test('IPv4 octets are 0-255 without leading zeros', () => {
  assert.equal(isIpv4('255.255.255.255'), true);
  assert.equal(isIpv4('256.1.1.1'), false);
  assert.equal(isIpv4('01.1.1.1'), false);
});
