// Preloaded by the image's ENTRYPOINT (`node --require=/code-cache.cjs /dbtls.js`): compiles the
// bundle with the V8 code cache made for it when the image was built, so that a run starts
// without parsing and compiling 0.5 MB of JavaScript again (bench/results.md has the figures).
//
// Why not a library: Node 22's module.enableCompileCache() / NODE_COMPILE_CACHE does this for
// Node >= 22.1 only, and writes its cache at run time (the image's root is read-only);
// v8-compile-cache also writes at run time and would be a dependency in the image. What is
// here is the documented vm.Script cachedData mechanism and nothing else: any mismatch (another
// Node.js, other V8 flags, another bundle) makes V8 reject the cache and compile as usual.
//
// The cache is the file beside the bundle with the extension .cache. With
// DBTLS_CODE_CACHE_WRITE=1 (the Dockerfile's build stage), the run writes it instead, on exit,
// holding every function the run compiled. NODE_DEBUG=code-cache says what happened.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const { debuglog } = require('node:util');
const { Script } = require('node:vm');

const debug = debuglog('code-cache');
const main = process.argv[1];
const cacheFile = main?.replace(/\.js$/, '.cache');
const write = process.env.DBTLS_CODE_CACHE_WRITE === '1';
const compile = Module.prototype._compile;

if (main && cacheFile !== main && (write || existsSync(cacheFile))) {
  Module.prototype._compile = function compileCached(content, filename, ...rest) {
    if (filename !== main) return compile.call(this, content, filename, ...rest);
    Module.prototype._compile = compile;
    // A hashbang is valid only as the first characters of a script, and Module.wrap puts the
    // CommonJS wrapper before it: the line becomes a comment of the same length.
    const source = Module.wrap(content.replace(/^#!/, '//'));
    const cachedData = write ? undefined : readFileSync(cacheFile);
    const script = new Script(source, { filename, cachedData });
    debug(
      '%s: %s',
      cacheFile,
      write ? 'writing' : script.cachedDataRejected ? 'rejected' : 'accepted',
    );
    if (write) process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = Module.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
}
