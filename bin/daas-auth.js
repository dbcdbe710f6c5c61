#!/usr/bin/env node
// Entry shim: the code base is TypeScript run by Node 24's built-in type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `daas-auth: needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx daas-auth) so the project's own Node is used\n`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
