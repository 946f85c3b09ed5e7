// One way for every test helper to read an HTTP reply: status, headers, raw text and the JSON body when it parses.
export interface Reply {
  status: number;
  headers: Headers;
  // Parsed JSON bodies of arbitrary shape (SCIM resources and errors, admin results, token responses).
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function readReply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}
