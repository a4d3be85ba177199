// The structural rules a SAML Response must meet, each with a stable id (`saml.<what>`), the check family it
// belongs to (the SsoError's `detail`, unchanged since before rule ids existed) and one sentence for the admin
// saying what to change at the IdP. The verifier's strictness lives in saml-verify.ts and its helpers; this
// file only names what they refuse, so the log, the admin's Test and an activity log can show it.

interface SamlRuleEntry {
  /** The coarse check family (`saml:<family>`), kept as the SsoError's private detail. */
  check: string;
  /** What to change at the IdP (or in the provider) so that its answers pass this rule. */
  fix: string;
}

const SIGN_SHA256 =
  'Set the signature algorithm of this service provider at the IdP to RSA-SHA256 (or stronger).';
const SAME_REQUEST =
  'Start the sign-in from this service (the login button), not from the IdP, and answer the request it sent.';
const DIGEST_SHA256 =
  'Set the digest (hash) algorithm of this service provider at the IdP to SHA-256 (or stronger).';
const ONE_REFERENCE =
  'The IdP must sign the Response or its Assertion with exactly one Reference to the signed element itself (SAML Core §5.4.2).';
const REGISTER_ACS =
  "Register this service's ACS URL exactly as the service names it (SP metadata) at the IdP; check SSO_PUBLIC_URL, schemeOverride and portOverride.";
const NOT_A_SETTING =
  'No IdP setting causes this: the response was altered or forged on the way; check what sits between the IdP and this service.';
const SHAPE =
  'The IdP sent a Response shaped unlike SAML 2.0 Web Browser SSO; check that the service provider is registered as a SAML 2.0 (not WS-Federation or SAML 1.1) client with the HTTP-POST binding.';

export const SAML_RULES = {
  'saml.encoding': { check: 'saml:encoding', fix: SHAPE },
  'saml.too_large': {
    check: 'saml:too-large',
    fix: 'Send fewer attributes or groups for this service provider at the IdP.',
  },
  'saml.dtd': { check: 'saml:dtd', fix: NOT_A_SETTING },
  'saml.xml': { check: 'saml:xml', fix: NOT_A_SETTING },
  'saml.not_response': { check: 'saml:not-response', fix: SHAPE },
  'saml.structure': { check: 'saml:structure', fix: SHAPE },
  'saml.duplicate_id': { check: 'saml:duplicate-id', fix: NOT_A_SETTING },
  'saml.encrypted_assertion': {
    check: 'saml:encrypted',
    fix: 'Turn assertion encryption off for this service provider at the IdP (Keycloak: "Encrypt assertions" off).',
  },
  'saml.assertion_count': { check: 'saml:assertion-count', fix: SHAPE },
  'saml.status_missing': { check: 'saml:status', fix: SHAPE },
  'saml.status_not_success': {
    check: 'saml:status',
    fix: "The IdP refused the sign-in itself: read the IdP's own log for this request (user not allowed, request refused).",
  },
  'saml.version': { check: 'saml:version', fix: SHAPE },
  'saml.unsigned': {
    check: 'saml:unsigned',
    fix: 'Have the IdP sign the Response or the Assertion (Keycloak: "Sign documents").',
  },
  'saml.signature_placement': { check: 'saml:signature-placement', fix: SHAPE },
  'saml.signature_shape': {
    check: 'saml:signature-shape',
    fix: 'The IdP must sign with a plain enveloped XML signature (SAML Core §5.4); no extra elements in it.',
  },
  'saml.c14n_not_exclusive': {
    check: 'saml:algorithm',
    fix: 'Set the canonicalization method of this service provider at the IdP to exclusive (Keycloak: "Canonicalization method" EXCLUSIVE).',
  },
  'saml.sha1_signature_refused': { check: 'saml:algorithm', fix: SIGN_SHA256 },
  'saml.signature_method_refused': { check: 'saml:algorithm', fix: SIGN_SHA256 },
  'saml.signature_key_mismatch': {
    check: 'saml:algorithm',
    fix: "Paste the IdP's current signing certificate into samlCertificate: the IdP signs with another key type than the configured certificate.",
  },
  'saml.sha1_digest_refused': {
    check: 'saml:digest',
    fix: DIGEST_SHA256,
  },
  'saml.digest_method_refused': {
    check: 'saml:digest',
    fix: DIGEST_SHA256,
  },
  'saml.reference_count': {
    check: 'saml:reference',
    fix: ONE_REFERENCE,
  },
  'saml.reference_target': {
    check: 'saml:reference',
    fix: ONE_REFERENCE,
  },
  'saml.transforms': {
    check: 'saml:transform',
    fix: 'The IdP must use the transforms enveloped-signature then exclusive c14n (SAML Core §5.4.4); set its canonicalization to exclusive.',
  },
  'saml.signature_invalid': {
    check: 'saml:signature',
    fix: "Paste the IdP's current signing certificate into samlCertificate (the IdP may have rotated its key).",
  },
  'saml.signed_content_altered': { check: 'saml:signed-content', fix: NOT_A_SETTING },
  'saml.certificate_unreadable': {
    check: 'saml:certificate',
    fix: "Paste the IdP's signing certificate into samlCertificate as base64 DER or PEM.",
  },
  'saml.destination_missing': {
    check: 'saml:destination',
    fix: "The IdP signs the Response, so it must set the Response's Destination to this service's ACS URL; make it include Destination, or have it sign only the Assertion.",
  },
  'saml.destination_mismatch': {
    check: 'saml:destination',
    fix: REGISTER_ACS,
  },
  'saml.idp_initiated': { check: 'saml:in-response-to', fix: SAME_REQUEST },
  'saml.in_response_to_mismatch': { check: 'saml:in-response-to', fix: SAME_REQUEST },
  'saml.issuer_missing': { check: 'saml:issuer', fix: SHAPE },
  'saml.issuer_format': {
    check: 'saml:issuer',
    fix: "The IdP's Issuer must be its entity id (format omitted or entity).",
  },
  'saml.issuer_mismatch': {
    check: 'saml:issuer',
    fix: "Set samlIdpEntityId to the IdP's entity id exactly as its metadata names it (or leave it empty).",
  },
  'saml.subject_shape': {
    check: 'saml:subject',
    fix: 'The IdP must name the user with one plain, non-empty NameID; turn NameID encryption off and pick a NameID format with a value for every user.',
  },
  'saml.bearer_confirmation_missing': {
    check: 'saml:subject-confirmation',
    fix: 'The IdP must send a bearer SubjectConfirmation (SAML Profiles §4.1.4.2); check that the service provider is registered for Web Browser SSO.',
  },
  'saml.recipient_missing': {
    check: 'saml:recipient',
    fix: "The IdP must set the SubjectConfirmationData Recipient to this service's ACS URL (SAML Profiles §4.1.4.2).",
  },
  'saml.recipient_mismatch': {
    check: 'saml:recipient',
    fix: REGISTER_ACS,
  },
  'saml.confirmation_expiry_missing': {
    check: 'saml:expired',
    fix: 'The IdP must set NotOnOrAfter on the bearer SubjectConfirmationData (SAML Profiles §4.1.4.2).',
  },
  'saml.expired': {
    check: 'saml:expired',
    fix: "Check the clocks of the IdP and of this service (NTP), or lengthen the IdP's assertion lifetime; SSO_SAML_CLOCK_SKEW sets the tolerance.",
  },
  'saml.not_yet_valid': {
    check: 'saml:not-yet-valid',
    fix: 'Check the clocks of the IdP and of this service (NTP); SSO_SAML_CLOCK_SKEW sets the tolerance.',
  },
  'saml.time_invalid': { check: 'saml:time', fix: SHAPE },
  'saml.audience_restriction_missing': {
    check: 'saml:audience',
    fix: 'The IdP must restrict the assertion to this service provider with an AudienceRestriction naming samlClientId (SAML Profiles §4.1.4.2).',
  },
  'saml.audience_mismatch': {
    check: 'saml:audience',
    fix: "Make the IdP's audience (the client id / SP entity id it is registered with) equal samlClientId.",
  },
  'saml.condition_unknown': {
    check: 'saml:conditions',
    fix: "Remove the extra condition (other than AudienceRestriction, OneTimeUse, ProxyRestriction) from the IdP's answers for this service provider.",
  },
} as const satisfies Record<string, SamlRuleEntry>;

export type SamlRuleId = keyof typeof SAML_RULES;
