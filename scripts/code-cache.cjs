// Compiles each file of the bundle (dist/: the entry point and the siblings it loads,
// scripts/build.mjs) with the V8 code cache made for it, so that a run starts without parsing
// and compiling its JavaScript again (bench/results.md has the figures). Two ways in, one hook:
// - inlined at the top of dist/dbtls.js by the build, before the entry point loads anything, so
//   that dbtls run from PATH (npm install -g, kpt's exec functions) uses the caches that
//   `npm run build` makes beside the bundle with the node that built it;
// - preloaded by the image's ENTRYPOINT (`node --require=/code-cache.cjs /dbtls.js`), which
//   compiles the entry point from its cache too. The hook installs itself once.
//
// Why not a library: Node 22's module.enableCompileCache() / NODE_COMPILE_CACHE does this for
// Node >= 22.1 only, and writes its cache at run time (the image's root is read-only);
// v8-compile-cache also writes at run time and would be a dependency in the image. What is
// here is the documented vm.Script cachedData mechanism and nothing else: any mismatch (another
// Node.js, other V8 flags, another bundle) makes V8 reject the cache and compile as usual.
//
// A file's cache is the file beside it with the extension .cache; a file without one compiles
// as usual. With DBTLS_CODE_CACHE_WRITE=1 (the build, the Dockerfile's build stage), the run
// writes, on exit, the cache of each file it loaded that has none yet, holding every function
// the run compiled. NODE_DEBUG=code-cache says what happened.
'use strict';
const { existsSync, readFileSync, realpathSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const { debuglog } = require('node:util');
const { Script } = require('node:vm');

const debug = debuglog('code-cache');
const installed = Symbol.for('dbtls.code-cache');
// Node names a module by its real path (dist/dbtls.js, not a bin link to it): the bundle's
// folder, as it names the files in it.
const main = realMain();
const bundle = main && dirname(main);
const write = process.env.DBTLS_CODE_CACHE_WRITE === '1';
const compile = Module.prototype._compile;
const toWrite = [];

if (main?.endsWith('.js') && !globalThis[installed]) {
  globalThis[installed] = true;
  Module.prototype._compile = function compileCached(content, filename, ...rest) {
    const ours = dirname(filename) === bundle && filename.endsWith('.js');
    const cacheFile = `${filename.slice(0, -3)}.cache`;
    const cached = ours && existsSync(cacheFile);
    if (!cached && !(write && ours)) return compile.call(this, content, filename, ...rest);
    // A hashbang is valid only as the first characters of a script, and Module.wrap puts the
    // CommonJS wrapper before it: the line becomes a comment of the same length.
    const source = Module.wrap(content.startsWith('#!') ? `//${content.slice(2)}` : content);
    const cachedData = cached ? readFileSync(cacheFile) : undefined;
    const script = new Script(source, { filename, cachedData });
    if (cached) debug('%s: %s', cacheFile, script.cachedDataRejected ? 'rejected' : 'accepted');
    else toWrite.push([cacheFile, script]);
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  if (write)
    process.on('exit', () => {
      for (const [file, script] of toWrite) {
        writeFileSync(file, script.createCachedData());
        debug('%s: written', file);
      }
    });
}

function realMain() {
  try {
    return process.argv[1] && realpathSync(process.argv[1]);
  } catch {
    return undefined; // no such file: node will say so
  }
}
