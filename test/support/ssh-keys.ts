// Key pairs for the test SFTP servers. ssh2's generateKeyPairSync("ed25519")
// strips leading zero bytes of the public key, so a pair whose key starts
// with a zero byte (about one in 256) cannot be parsed back by ssh2. Such
// pairs are generated again.

import ssh2 from "ssh2";

export function generateKeyPair(): { public: string; private: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519");
    const parsedPublic = ssh2.utils.parseKey(pair.public);
    const parsedPrivate = ssh2.utils.parseKey(pair.private);
    if (!(parsedPublic instanceof Error) && !(parsedPrivate instanceof Error)) return pair;
  }
}
