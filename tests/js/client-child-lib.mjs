// What the client child processes of microsoft-clients.test.mjs share: the serve line from the
// environment, named steps, and the one JSON line each prints ({"ok":true,...} or
// {"ok":false,"step":...,"error":{...}}; exit status 0 either way, 2 when misused).

/** The payload of a JWT, decoded without verification (the parent only compares claim values). */
export function jwtPayload(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error(`not a JWS compact serialization (${parts.length} parts)`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

/** Results so far; every child adds to it. */
export const out = {};
let step = 'start';

/** Runs fn as a named step, so that a failure report says which call failed. */
export async function run(name, fn) {
  step = name;
  return fn();
}

/**
 * Reads ENTRAGATE_SERVE, then runs `dispatch(serve, args)`, which returns false when the arguments
 * name no mode (the usage line is printed then), and prints the result line.
 */
export async function childMain(usage, dispatch, describeError) {
  const args = process.argv.slice(2);
  let serve;
  try {
    serve = JSON.parse(process.env.ENTRAGATE_SERVE ?? '');
  } catch {
    process.stderr.write('ENTRAGATE_SERVE must hold the JSON line printed by `entragate serve`\n');
    process.exit(2);
  }
  try {
    if (!(await dispatch(serve, args))) {
      process.stderr.write(`usage: ${usage}\n`);
      process.exit(2);
    }
    process.stdout.write(`${JSON.stringify({ ok: true, ...out })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ ok: false, step, error: describeError(e), ...out })}\n`);
  }
}
