// Rewrites the generated parts of the docs from the code's own tables: npm run docs:metrics
// (the README's metric reference from the catalog; docs/gateway.md's key table from the gateway config keys;
// docs/diagnose.md's hypotheses and signal queries from src/diagnose).
import { readFileSync, writeFileSync } from 'node:fs';
import { withMetricReference } from '../src/catalog/metric-reference.js';
import { withConfigReference } from '../src/gateway/config-reference.js';
import { withDiagnoseReference } from '../src/diagnose/reference.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withMetricReference(readFileSync(readme, 'utf8')));
const gateway = new URL('../docs/gateway.md', import.meta.url);
writeFileSync(gateway, withConfigReference(readFileSync(gateway, 'utf8')));
const diagnose = new URL('../docs/diagnose.md', import.meta.url);
writeFileSync(diagnose, withDiagnoseReference(readFileSync(diagnose, 'utf8')));
console.log('README.md, docs/gateway.md and docs/diagnose.md updated');
