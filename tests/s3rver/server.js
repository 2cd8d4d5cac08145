// Starts s3rver (an S3-compatible server) on 127.0.0.1 for the S3 object store tests.
// Usage: node server.js <port> <directory> <bucket>; prints "ready" once listening, exits when stdin closes.
const S3rver = require('s3rver');
const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
server.run().then(() => console.log('ready'), err => { console.error(err); process.exit(1); });
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
