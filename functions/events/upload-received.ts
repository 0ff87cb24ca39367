export const handler = async (): Promise<never> => {
  throw new Error('upload-received is not implemented yet');
};
