/** Both sides of the threads channel: what move() marked goes in postMessage's transfer list. */
import { takeMoved } from '@mpool/pool-core';

/**
 * Posts `msg` with the buffers marked by move() in its transfer list: their memory goes to the
 * other side and the sender's ArrayBuffers are detached. (Views that share a bigger buffer were
 * already copied by move(), so a transfer never takes memory that other values use.)
 */
export function postWithMoves(port: { postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void }, msg: unknown): void {
  const moved = takeMoved(msg);
  if (moved.length === 0) port.postMessage(msg);
  else port.postMessage(msg, moved);
}
