'use strict';
// Drives the ali-ons RocketMQ client (npm ali-ons 3.12.0) for ferrymq's
// interop tests. Prints one JSON line with what the client saw.
//   NAMESRV=host:port TOPIC=t node peer_alions.js route
//   NAMESRV=host:port BROKER=host:port TOPIC=t node peer_alions.js createtopic
const ClientConfig = require('ali-ons/lib/client_config');
const MQClient = require('ali-ons/lib/mq_client');

const options = {
  nameSrv: process.env.NAMESRV,
  // ali-ons requires an HTTP client to look up name servers; with nameSrv
  // given it never calls it.
  httpclient: { request() { throw new Error('no HTTP lookups in tests'); } },
  onsChannel: 'ALIYUN',
};
// Credentials for servers with access control on: every request is signed.
if (process.env.AK) {
  Object.assign(options, { accessKeyId: process.env.AK, accessKeySecret: process.env.SK });
}

async function withClient(fn) {
  const client = MQClient.getAndCreateMQClient(new ClientConfig(Object.assign({}, options)));
  await client.ready();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const verbs = {
  async route() {
    const route = await withClient(client => client.getTopicRouteInfoFromNameServer(process.env.TOPIC, 3000));
    console.log(JSON.stringify({ route }));
  },
  async createtopic() {
    await withClient(client => client.createTopic(process.env.BROKER, 'TBW102', {
      topicName: process.env.TOPIC, readQueueNums: 3, writeQueueNums: 3, perm: 6,
      topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false,
    }, 3000));
    console.log(JSON.stringify({ created: process.env.TOPIC }));
  },
};

verbs[process.argv[2]]().then(() => process.exit(0), error => {
  console.log(JSON.stringify({ error: String(error && error.message || error), name: error && error.name }));
  process.exit(1);
});
