#!/usr/bin/env node
// The inferwatch command. The code lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
import '../dist/cli/entry.js';
