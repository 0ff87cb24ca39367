export const handler = async (): Promise<never> => {
  throw new Error('intake-archive is not implemented yet');
};
