// Run first thing in <body>, before it is drawn: GOV.UK Frontend's styles for JavaScript-enhanced
// components key off these classes. A file, not an inline script, so the pages' Content-Security-Policy
// can forbid inline scripts altogether.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
