import { mockClient } from 'aws-sdk-client-mock';
import type { SinonSpyCall } from 'sinon';
import type { S3Command } from '../../functions/adapters/s3-http.ts';
import { S3Client } from '../../functions/adapters/s3-http.ts';

/**
 * The functions' S3 client stubbed by aws-sdk-client-mock, which replaces `send` on any client
 * class and matches commands by class and input, as it does for the SDK's. Its types are written
 * for the SDK's commands, so they are restated here for Dangan's (s3-commands.ts).
 */

type CommandClass<I, O> = new (input: I) => S3Command<I, O>;
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface S3Behavior<I, O> {
  resolves(output: DeepPartial<O>): S3Stub;
  resolvesOnce(output: DeepPartial<O>): S3Behavior<I, O>;
  rejects(error?: unknown): S3Stub;
  rejectsOnce(error?: unknown): S3Behavior<I, O>;
  callsFake(fake: (input: I) => unknown): S3Stub;
}

export interface S3Stub {
  on<I, O>(command: CommandClass<I, O>, input?: DeepPartial<I>, strict?: boolean): S3Behavior<I, O>;
  onAnyCommand(input?: object): S3Behavior<unknown, unknown>;
  reset(): S3Stub;
  calls(): SinonSpyCall<[S3Command<unknown, unknown>], Promise<unknown>>[];
  commandCalls<I, O>(
    command: CommandClass<I, O>,
    input?: DeepPartial<I>,
  ): SinonSpyCall<[S3Command<I, O>], Promise<O>>[];
}

export const s3Mock = mockClient(S3Client as never) as unknown as S3Stub;
