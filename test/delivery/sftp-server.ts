// A small SFTP server for the delivery tests: ssh2 in server mode, serving a
// local folder on 127.0.0.1, accepting one user with one public key. It
// implements the SFTP requests that ssh2-sftp-client sends for stat, put,
// get, rename and delete, and counts the files opened for writing.

import {
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join, posix } from "node:path";
import ssh2, { type Attributes, type SFTPWrapper } from "ssh2";

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

export interface TestServerOptions {
  /** Folder served as the SFTP root "/". */
  root: string;
  /** Private host key in OpenSSH format. */
  hostKey: string;
  username: string;
  /** Public key line of the only accepted client key. */
  clientPublicKey: string;
}

type OpenHandle =
  | { kind: "file"; fd: number }
  | { kind: "dir"; path: string; listed: boolean };

export class TestSftpServer {
  /** Server paths opened with the write flag, in order. */
  readonly openedForWrite: string[] = [];
  private server: InstanceType<typeof ssh2.Server> | undefined;
  private readonly connections = new Set<ssh2.Connection>();

  constructor(private readonly options: TestServerOptions) {}

  /** Starts listening on 127.0.0.1; port 0 picks a free port. */
  async listen(port = 0): Promise<number> {
    const allowedKey = ssh2.utils.parseKey(this.options.clientPublicKey);
    if (allowedKey instanceof Error) throw allowedKey;
    const server = new ssh2.Server({ hostKeys: [this.options.hostKey] }, (client) => {
      this.connections.add(client);
      client.on("close", () => this.connections.delete(client));
      client.on("error", () => undefined);
      client.on("authentication", (context) => {
        const keyMatches =
          context.method === "publickey" &&
          context.username === this.options.username &&
          context.key.algo === allowedKey.type &&
          context.key.data.equals(allowedKey.getPublicSSH());
        if (!keyMatches) return context.reject(["publickey"]);
        if (context.method === "publickey" && context.signature && context.blob) {
          const valid = allowedKey.verify(context.blob, context.signature, context.hashAlgo);
          if (!valid) return context.reject(["publickey"]);
        }
        context.accept();
      });
      client.on("ready", () => {
        client.on("session", (acceptSession) => {
          const session = acceptSession();
          session.on("sftp", (acceptSftp) => this.serve(acceptSftp()));
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const connection of this.connections) connection.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private local(path: string): string {
    // posix.normalize of an absolute path never climbs above "/".
    return join(this.options.root, posix.normalize(posix.join("/", path)));
  }

  private serve(sftp: SFTPWrapper): void {
    const handles = new Map<number, OpenHandle>();
    let nextHandle = 1;
    const addHandle = (handle: OpenHandle): Buffer => {
      const id = nextHandle++;
      handles.set(id, handle);
      const buffer = Buffer.alloc(4);
      buffer.writeUInt32BE(id);
      return buffer;
    };
    const lookup = (buffer: Buffer): OpenHandle | undefined =>
      buffer.length === 4 ? handles.get(buffer.readUInt32BE(0)) : undefined;
    const fail = (reqId: number, error: unknown): void => {
      const code = (error as NodeJS.ErrnoException).code;
      const status =
        code === "ENOENT"
          ? STATUS_CODE.NO_SUCH_FILE
          : code === "EACCES"
            ? STATUS_CODE.PERMISSION_DENIED
            : STATUS_CODE.FAILURE;
      sftp.status(reqId, status, (error as Error).message);
    };

    sftp.on("OPEN", (reqId, filename, flags) => {
      const mode = ssh2.utils.sftp.flagsToString(flags);
      if (!mode) return sftp.status(reqId, STATUS_CODE.BAD_MESSAGE);
      try {
        const fd = openSync(this.local(filename), mode);
        if (flags & OPEN_MODE.WRITE) this.openedForWrite.push(posix.normalize(filename));
        sftp.handle(reqId, addHandle({ kind: "file", fd }));
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("WRITE", (reqId, handle, offset, data) => {
      const open = lookup(handle);
      if (open?.kind !== "file") return sftp.status(reqId, STATUS_CODE.FAILURE);
      writeSync(open.fd, data, 0, data.length, offset);
      sftp.status(reqId, STATUS_CODE.OK);
    });
    sftp.on("READ", (reqId, handle, offset, length) => {
      const open = lookup(handle);
      if (open?.kind !== "file") return sftp.status(reqId, STATUS_CODE.FAILURE);
      const buffer = Buffer.alloc(length);
      const bytesRead = readSync(open.fd, buffer, 0, length, offset);
      if (bytesRead === 0) return sftp.status(reqId, STATUS_CODE.EOF);
      sftp.data(reqId, buffer.subarray(0, bytesRead));
    });
    sftp.on("CLOSE", (reqId, handle) => {
      const open = lookup(handle);
      if (!open) return sftp.status(reqId, STATUS_CODE.FAILURE);
      if (open.kind === "file") closeSync(open.fd);
      handles.delete(handle.readUInt32BE(0));
      sftp.status(reqId, STATUS_CODE.OK);
    });
    sftp.on("FSTAT", (reqId, handle) => {
      const open = lookup(handle);
      if (open?.kind !== "file") return sftp.status(reqId, STATUS_CODE.FAILURE);
      sftp.attrs(reqId, attributes(fstatSync(open.fd)));
    });
    // Permission changes (WriteStream sends one after OPEN) are accepted and ignored.
    sftp.on("FSETSTAT", (reqId) => sftp.status(reqId, STATUS_CODE.OK));
    sftp.on("SETSTAT", (reqId) => sftp.status(reqId, STATUS_CODE.OK));
    sftp.on("STAT", (reqId, path) => {
      try {
        sftp.attrs(reqId, attributes(statSync(this.local(path))));
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("LSTAT", (reqId, path) => {
      try {
        sftp.attrs(reqId, attributes(lstatSync(this.local(path))));
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("RENAME", (reqId, oldPath, newPath) => {
      // Like OpenSSH's sftp-server, a plain rename never replaces a file.
      if (existsSync(this.local(newPath))) {
        return sftp.status(reqId, STATUS_CODE.FAILURE, "destination exists");
      }
      try {
        renameSync(this.local(oldPath), this.local(newPath));
        sftp.status(reqId, STATUS_CODE.OK);
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("REMOVE", (reqId, path) => {
      try {
        unlinkSync(this.local(path));
        sftp.status(reqId, STATUS_CODE.OK);
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("MKDIR", (reqId, path) => {
      try {
        mkdirSync(this.local(path));
        sftp.status(reqId, STATUS_CODE.OK);
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("RMDIR", (reqId, path) => {
      try {
        rmdirSync(this.local(path));
        sftp.status(reqId, STATUS_CODE.OK);
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("REALPATH", (reqId, path) => {
      const absolute = posix.normalize(posix.join("/", path));
      sftp.name(reqId, [{ filename: absolute, longname: absolute, attrs: {} as Attributes }]);
    });
    sftp.on("OPENDIR", (reqId, path) => {
      try {
        if (!statSync(this.local(path)).isDirectory()) {
          return sftp.status(reqId, STATUS_CODE.FAILURE, "not a folder");
        }
        sftp.handle(reqId, addHandle({ kind: "dir", path, listed: false }));
      } catch (error) {
        fail(reqId, error);
      }
    });
    sftp.on("READDIR", (reqId, handle) => {
      const open = lookup(handle);
      if (open?.kind !== "dir") return sftp.status(reqId, STATUS_CODE.FAILURE);
      if (open.listed) return sftp.status(reqId, STATUS_CODE.EOF);
      open.listed = true;
      const names = readdirSync(this.local(open.path)).map((filename) => {
        const stats = statSync(join(this.local(open.path), filename));
        const type = stats.isDirectory() ? "d" : "-";
        const longname = `${type}rw-r--r-- 1 0 0 ${stats.size} ${filename}`;
        return { filename, longname, attrs: attributes(stats) };
      });
      sftp.name(reqId, names);
    });
    sftp.on("EXTENDED", (reqId) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
  }
}

function attributes(stats: Stats): Attributes {
  return {
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
