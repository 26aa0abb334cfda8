// Rewrites the generated parts of the docs from the code's own tables: npm run docs:metrics
// (the README's metric reference from the catalog; docs/gateway.md's key table from the gateway config keys).
import { readFileSync, writeFileSync } from 'node:fs';
import { withMetricReference } from '../src/catalog/metric-reference.js';
import { withConfigReference } from '../src/gateway/config-reference.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withMetricReference(readFileSync(readme, 'utf8')));
const gateway = new URL('../docs/gateway.md', import.meta.url);
writeFileSync(gateway, withConfigReference(readFileSync(gateway, 'utf8')));
console.log('README.md and docs/gateway.md updated');
