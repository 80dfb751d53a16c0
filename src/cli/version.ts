/** The version of Trail, as --version and exports report it. */
export const VERSION = '0.1.0';
