/** Plain JSON values: what spaces, architectures and stored definitions are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
