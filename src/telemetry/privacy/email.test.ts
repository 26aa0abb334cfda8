import { emailDetector } from './email.js';
import { detectorTable } from './test-support/detector-table.js';

detectorTable(
  emailDetector,
  [
    ['mail alice@example.com today', ['alice@example.com']],
    ['bob+newsletter@example.org', ['bob+newsletter@example.org']],
    ['<j.doe@mail.example.co.uk>', ['j.doe@mail.example.co.uk']],
    ['"x@example.de", "y_z@example.fr"', ['x@example.de', 'y_z@example.fr']],
    ['end of sentence a@example.com.', ['a@example.com']],
    ['mailto:sales@example.travel?subject=Hi', ['sales@example.travel']],
    ['email=ops%team@example.com&x=1', ['ops%team@example.com']],
    ["quoted 'alice@example.com' in code", ['alice@example.com']],
    ['. leading dot .bob@example.com', ['bob@example.com']],
    ['Upper Case@Example.COM', ['Case@Example.COM']],
    ['unicode josé@exämple.de', ['josé@exämple.de']],
    ['punycode a@xn--bcher-kva.example', ['a@xn--bcher-kva.example']],
    ['trailing numeric label a@b.example.com.2024 is trimmed', ['a@b.example.com']],
  ],
  [
    'npm install react@18.2.0 lodash@4.17.21',
    '@types/node and @inferwatch on social media',
    'user@localhost has no dot in the domain',
    'ssh root@192.0.2.1',
    'git@github.com:acme/repo.git is a remote, not a mailbox',
    'a..b@example.com has two dots in a row',
    'trailing dot in local part a.@example.com',
    'domain label -bad@-example.com',
    `${'x'.repeat(65)}@example.com has a local part over 64 characters`,
    'alice at example dot com',
    'a@b@c',
  ],
);
