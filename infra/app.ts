/** Entry of the CDK app (cdk.json `app`): `npx cdk synth` needs no AWS credentials. */
import { createDanganApp } from './dangan-app.ts';

createDanganApp();
