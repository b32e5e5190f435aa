/**
 * Redis 7.0 command table (name -> arity, containers -> subcommand arities), so the honeypot rejects
 * unknown commands, wrong arities and unknown subcommands with the exact texts of a real Redis 7.0
 * instead of OpenCanary's static list (whose `-ERR unknown command 'x'` is a known honeypot tell).
 * Arity follows Redis: n > 0 exact argc (command included), n < 0 at least -n.
 */

const PLAIN = `append:3 asking:1 auth:-2 bgrewriteaof:1 bgsave:-1 bitcount:-2 bitfield:-2 bitfield_ro:-2 bitop:-4
bitpos:-3 blmove:6 blmpop:-5 blpop:-3 brpop:-3 brpoplpush:4 bzmpop:-5 bzpopmax:-3 bzpopmin:-3 copy:-3 dbsize:1
debug:-2 decr:2 decrby:3 del:-2 discard:1 dump:2 echo:2 eval:-3 eval_ro:-3 evalsha:-3 evalsha_ro:-3 exec:1
exists:-2 expire:-3 expireat:-3 expiretime:2 failover:-1 fcall:-3 fcall_ro:-3 flushall:-1 flushdb:-1 geoadd:-5
geodist:-4 geohash:-2 geopos:-2 georadius:-6 georadius_ro:-6 georadiusbymember:-5 georadiusbymember_ro:-5
geosearch:-7 geosearchstore:-8 get:2 getbit:3 getdel:2 getex:-2 getrange:4 getset:3 hdel:-3 hello:-1 hexists:3
hget:3 hgetall:2 hincrby:4 hincrbyfloat:4 hkeys:2 hlen:2 hmget:-3 hmset:-4 hrandfield:-2 hscan:-3 hset:-4
hsetnx:4 hstrlen:3 hvals:2 incr:2 incrby:3 incrbyfloat:3 info:-1 keys:2 lastsave:1 lcs:-3 lindex:3 linsert:5
llen:2 lmove:5 lmpop:-4 lolwut:-1 lpop:-2 lpos:-3 lpush:-3 lpushx:-3 lrange:4 lrem:4 lset:4 ltrim:4 mget:-2
migrate:-6 monitor:1 move:3 mset:-3 msetnx:-3 multi:1 persist:2 pexpire:-3 pexpireat:-3 pexpiretime:2 pfadd:-2
pfcount:-2 pfdebug:3 pfmerge:-2 pfselftest:1 ping:-1 psetex:4 psubscribe:-2 psync:-3 pttl:2 publish:3
punsubscribe:-1 quit:-1 randomkey:1 readonly:1 readwrite:1 rename:3 renamenx:3 replconf:-1 replicaof:3 reset:1
restore:-4 restore-asking:-4 role:1 rpop:-2 rpoplpush:3 rpush:-3 rpushx:-3 sadd:-3 save:1 scan:-2 scard:2
sdiff:-2 sdiffstore:-3 select:2 set:-3 setbit:4 setex:4 setnx:3 setrange:4 shutdown:-1 sinter:-2 sintercard:-3
sinterstore:-3 sismember:3 slaveof:3 smembers:2 smismember:-3 smove:4 sort:-2 sort_ro:-2 spop:-2 spublish:3
srandmember:-2 srem:-3 sscan:-3 ssubscribe:-2 strlen:2 subscribe:-2 substr:4 sunion:-2 sunionstore:-3
sunsubscribe:-1 swapdb:3 sync:1 time:1 touch:-2 ttl:2 type:2 unlink:-2 unsubscribe:-1 unwatch:1 wait:3 watch:-2
xack:-4 xadd:-5 xautoclaim:-6 xclaim:-6 xdel:-3 xlen:2 xpending:-3 xrange:-4 xread:-4 xreadgroup:-7 xrevrange:-4
xsetid:-3 xtrim:-4 zadd:-4 zcard:2 zcount:4 zdiff:-3 zdiffstore:-4 zincrby:4 zinter:-3 zintercard:-3
zinterstore:-4 zlexcount:4 zmpop:-4 zmscore:-3 zpopmax:-2 zpopmin:-2 zrandmember:-2 zrange:-4 zrangebylex:-4
zrangebyscore:-4 zrangestore:-5 zrank:3 zrem:-3 zremrangebylex:4 zremrangebyrank:4 zremrangebyscore:4
zrevrange:-4 zrevrangebylex:-4 zrevrangebyscore:-4 zrevrank:3 zscan:-3 zscore:3 zunion:-3 zunionstore:-4`;

const CONTAINERS: Record<string, string> = {
  acl: 'cat:-2 deluser:-3 dryrun:-4 genpass:-2 getuser:3 help:2 list:2 load:2 log:-2 save:2 setuser:-3 users:2 whoami:2',
  client:
    'caching:3 getname:2 getredir:2 help:2 id:2 info:2 kill:-3 list:-2 no-evict:3 pause:-3 reply:3 setname:3 tracking:-3 trackinginfo:2 unblock:-3 unpause:2',
  cluster:
    'addslots:-3 addslotsrange:-4 bumpepoch:2 count-failure-reports:3 countkeysinslot:3 delslots:-3 delslotsrange:-4 failover:-2 flushslots:2 forget:3 getkeysinslot:4 help:2 info:2 keyslot:3 links:2 meet:-4 myid:2 nodes:2 replicas:3 replicate:3 reset:-2 saveconfig:2 set-config-epoch:3 setslot:-4 shards:2 slaves:3 slots:2',
  command: 'count:2 docs:-2 getkeys:-3 getkeysandflags:-4 help:2 info:-2 list:-2',
  config: 'get:-3 help:2 resetstat:2 rewrite:2 set:-4',
  function: 'delete:3 dump:2 flush:-2 help:2 kill:2 list:-2 load:-3 restore:-3 stats:2',
  latency: 'doctor:2 graph:3 help:2 histogram:-2 history:3 latest:2 reset:-2',
  memory: 'doctor:2 help:2 malloc-stats:2 purge:2 stats:2 usage:-3',
  module: 'help:2 list:2 load:-3 loadex:-3 unload:3',
  object: 'encoding:3 freq:3 help:2 idletime:3 refcount:3',
  pubsub: 'channels:-2 help:2 numpat:2 numsub:-2 shardchannels:-2 shardnumsub:-2',
  script: 'debug:3 exists:-3 flush:-2 help:2 kill:2 load:3',
  slowlog: 'get:-2 help:2 len:2 reset:2',
  xgroup: 'create:-5 createconsumer:5 delconsumer:5 destroy:4 help:2 setid:-5',
  xinfo: 'consumers:4 groups:3 help:2 stream:-3',
};

export interface CommandSpec {
  arity: number;
  /** Subcommands of a container command (CONFIG SET, CLIENT LIST, MODULE LOAD...), keyed upper-case. */
  subs?: Map<string, number>;
}

function parsePairs(s: string): Array<[string, number]> {
  return s
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => {
      const i = p.lastIndexOf(':');
      return [p.slice(0, i).toUpperCase(), Number(p.slice(i + 1))];
    });
}

/** Keyed by the upper-cased command name. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = (() => {
  const m = new Map<string, CommandSpec>();
  for (const [name, arity] of parsePairs(PLAIN)) m.set(name, { arity });
  for (const [name, subs] of Object.entries(CONTAINERS)) {
    m.set(name.toUpperCase(), { arity: -2, subs: new Map(parsePairs(subs)) });
  }
  // COMMAND alone is valid (arity -1): it lists the table
  m.get('COMMAND')!.arity = -1;
  return m;
})();

export function arityOk(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}
