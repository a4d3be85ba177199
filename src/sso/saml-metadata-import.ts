// The admin's import of an IdP's SAML metadata (POST /sso/SAML/ImportMetadata): checks that exactly one
// source was given and asks the SAML adapter to read it. Nothing is stored; the admin saves with Add.
import { invalidField } from './errors.js';

/** Where the metadata comes from: the document itself, or a URL to fetch it from. */
export type SamlMetadataSource = { xml: string } | { url: string };

/** What the metadata says, in the fields of a SAML provider. */
export interface SamlMetadataImport {
  entityId: string;
  samlEndpoint: string;
  /** The SingleLogoutService of the HTTP-Redirect binding, or null when the IdP offers none. */
  samlSloEndpoint: string | null;
  /** base64 DER. */
  samlCertificate: string;
  certificateNotAfter: Date;
  warnings: string[];
}

/** Port: reads IdP metadata; SsoError `invalid_request` (naming the field) or `upstream_unavailable`. */
export interface SamlMetadataReader {
  read(source: SamlMetadataSource): Promise<SamlMetadataImport>;
}

/** Exactly one of `xml` and `url`, each non-empty. */
export function samlMetadataSource(body: { xml?: string; url?: string }): SamlMetadataSource {
  const { xml, url } = body;
  if (xml !== undefined && url !== undefined) throw invalidField('url', 'give either xml or url, not both');
  if (xml !== undefined) {
    if (xml.trim() === '') throw invalidField('xml', 'is empty');
    return { xml };
  }
  if (url === undefined || url.trim() === '') throw invalidField('url', 'give the metadata as xml or url');
  return { url: url.trim() };
}
