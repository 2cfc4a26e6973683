/**
 * The status socket's file when the daemon makes it itself (no systemd), made so that no symlink
 * can turn its chmod or chown onto another file.
 *
 * The naive order, bind at the path and then chmod and chown it by name, leaves a window after
 * bind: whoever can write the directory renames a symlink over the new socket, and root's chmod
 * and chown follow it (to /etc/shadow, say: group ipfailoverd, mode 0660). Instead:
 *   1. a fresh directory of our own beside the path (mkdtemp: mode 0700), opened, and checked
 *      through the descriptor to be ours and private: nobody else can add a name inside it;
 *   2. bind, chmod and chown there, by a name resolved through that descriptor
 *      (/proc/self/fd/N/s): a directory swapped in at the mkdtemp name cannot take its place;
 *   3. rename(2) over the path: it replaces a symlink or a stale socket there, never follows it;
 *   4. remove the empty directory.
 * After that nothing is done by name, except removing the socket at stop if it is still ours.
 */

import { chmodSync, chownSync, closeSync, constants, fstatSync, lstatSync, mkdtempSync, openSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface PlacedSocket {
  /** The chown's failure when it failed (the socket then keeps our own group); else undefined. */
  readonly chownError: Error | undefined;
  /** Removes the socket from the path if it is still the one placed there (at stop). */
  remove(): void;
  /** Closes the private directory's descriptor: once the listening socket is closed. */
  release(): void;
}

/** The bound name inside the private directory: short, so any configured path fits sun_path. */
const BOUND_NAME = 's';

/**
 * Creates the socket file at `path`: `bind(where)` binds the listening socket at the name it is
 * given (the private directory's), then this gives it `mode` and, if `owner` is set, that owner,
 * and moves it over `path`. Throws when bind or the move fails, after `unbind()` (which closes
 * the listening socket) and with the private directory removed.
 */
export async function placeSocket(
  path: string,
  mode: number,
  owner: SocketOwner | undefined,
  bind: (where: string) => Promise<void>,
  unbind: () => void,
): Promise<PlacedSocket> {
  const privateDir = mkdtempSync(join(dirname(path), '.ipfailoverd-'));
  let fd: number | undefined;
  let bound: string | undefined;
  try {
    fd = openSync(privateDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const dir = fstatSync(fd);
    if (!dir.isDirectory() || dir.uid !== process.geteuid?.() || (dir.mode & 0o077) !== 0) {
      throw new Error(`${privateDir} is not the private directory just made (someone replaced it)`);
    }
    // libuv unlinks this name again when the listening socket closes: it then resolves through
    // the same descriptor (kept open until release()), into a directory that is gone.
    const where = `/proc/self/fd/${fd}/${BOUND_NAME}`;
    await bind(where);
    bound = where;
    if (!lstatSync(bound).isSocket()) throw new Error(`${bound} is not the socket just bound`);
    chmodSync(bound, mode);
    let chownError: Error | undefined;
    if (owner !== undefined) {
      try {
        chownSync(bound, owner.uid, owner.gid);
      } catch (error) {
        chownError = error instanceof Error ? error : new Error(String(error));
      }
    }
    const placed = lstatSync(bound);
    renameSync(bound, path);
    return placedAt(path, placed.dev, placed.ino, fd, chownError);
  } catch (error) {
    if (bound !== undefined) {
      unbind(); // libuv unlinks the bound name, through the descriptor still open
      try {
        unlinkSync(bound);
      } catch {
        /* gone with the unbind */
      }
    }
    if (fd !== undefined) closeSync(fd);
    throw error;
  } finally {
    try {
      rmdirSync(privateDir); // empty: the socket left it, or was never made
    } catch {
      /* already gone */
    }
  }
}

function placedAt(path: string, dev: number, ino: number, fd: number, chownError: Error | undefined): PlacedSocket {
  let open = true;
  return {
    chownError,
    remove() {
      try {
        const now = lstatSync(path);
        // Another daemon's socket (started since) or anything else at the path is not ours.
        if (now.isSocket() && now.dev === dev && now.ino === ino) unlinkSync(path);
      } catch {
        /* gone already */
      }
    },
    release() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
