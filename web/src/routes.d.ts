/** The API's route table, taken from functions/catalog.ts when the console is built. */
declare module 'virtual:dangan-routes' {
  export const ROUTES: readonly {
    method: string;
    path: string;
    roles: readonly string[] | 'public';
  }[];
}
