import { createBaxterClient, BaxterClient } from '@bella-baxter/sdk';
const [url, apiKey] = process.argv.slice(2);
const sdk = await createBaxterClient({ baxterUrl: url, apiKey, appClient: 'checkout' });
console.log('discoverContext ->', JSON.stringify(await sdk.discoverContext()));
console.log('getAllSecrets (E2EE) ->', JSON.stringify(await sdk.getAllSecrets('shop', 'prod')));
await new Promise((r) => setTimeout(r, 1100));
const plain = new BaxterClient({ baxterUrl: url, apiKey, appClient: 'legacy-app' }); await plain.init();
console.log('getAllSecrets (no E2EE) ->', JSON.stringify(await plain.getAllSecrets('shop', 'prod')));
console.log('getSecretsVersion ->', JSON.stringify(await sdk.getSecretsVersion('shop', 'prod')));
