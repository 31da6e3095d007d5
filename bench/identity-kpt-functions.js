// What a user of the old kpt-functions TypeScript SDK (0.16) pays to do nothing: its `run` reads
// the ResourceList from stdin into `Configs`, calls the function, and writes the ResourceList back
// to stdout, as every function written with the SDK does.
const { run } = require('kpt-functions');

async function identity(configs) {
  // Nothing to do: every item passes through.
  void configs;
}
identity.usage = "identity: returns its input unchanged (the benchmark's peer)";

run(identity);
