// The Azure Tables SDK is loaded on first use, not when the app is imported: with its pipeline it is about 40% of the
// bundle's import time, and a worker indexing the functions (or serving the console page) needs none of it (issue 18,
// cold start). The first storage client pays it, once per process.
type TablesSdk = typeof import('@azure/data-tables');

let loading: Promise<TablesSdk> | undefined;

export function loadTablesSdk(): Promise<TablesSdk> {
  loading ??= import('@azure/data-tables');
  return loading;
}

/**
 * OData filter text with each interpolated string quoted and its quotes doubled: what the SDK's `odata` tag does for
 * the string values we pass, without loading the SDK to build a filter.
 */
export function odata(strings: TemplateStringsArray, ...values: string[]): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += `'${value.replace(/'/g, "''")}'${strings[i + 1]}`;
  });
  return out;
}
