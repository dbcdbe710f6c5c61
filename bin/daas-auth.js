#!/usr/bin/env node
// Entry shim. In a checkout it runs the TypeScript sources (Node 24 strips the types); in an installed
// package (npm pack / npm install -g: no src/) it runs the bundle dist/daas-auth.cjs. Written so that an
// old Node still parses it (no top-level await, no node: imports) and can say what is wrong in one line.
/* global URL */
import { existsSync } from 'fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`daas-auth: needs Node.js 24 or newer, and this is Node.js ${process.version}; install Node 24, or use the single-file binary (npm run build:bin)\n`);
  process.exit(1);
}
const source = new URL('../src/cli/main.ts', import.meta.url);
import(existsSync(source) ? source.href : new URL('../dist/daas-auth.cjs', import.meta.url).href);
