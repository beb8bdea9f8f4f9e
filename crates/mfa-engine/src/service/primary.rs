//! Entry points: every primary authentication Stytch offers ends in a [`LoginStep`].
//! Also the two "send me something" calls that precede them (magic link, password reset).

use stytch_client::Secret;
use stytch_client::api::magic_links::{LoginOrSignupRequest, MagicLinkAuthenticateRequest};
use stytch_client::api::passwords::{
    ExistingPasswordResetRequest, PasswordAuthenticateRequest, PasswordEmailResetRequest,
    PasswordResetStartRequest,
};
use stytch_client::api::sessions::SessionExchangeRequest;
use stytch_client::api::sso_oauth::{OauthAuthenticateRequest, SsoAuthenticateRequest};
use stytch_client::wire::PrimaryAuthResponse;
use stytch_client::{SessionAuth, SessionToken};

use super::{LoginStep, MfaService, ServiceError};
use crate::flow::PrimaryAuthed;
use crate::store::FlowStore;
use crate::time::Clock;

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    /// Email a login (or signup) magic link.
    pub async fn send_magic_link(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<(), ServiceError> {
        self.send_magic_link_to(organization_id, email, None).await
    }

    /// Like [`MfaService::send_magic_link`], naming the page the emailed link opens
    /// (`login_redirect_url`); `None`: the project's default redirect URL.
    #[tracing::instrument(name = "send magic link", skip_all, fields(organization_id))]
    pub async fn send_magic_link_to(
        &self,
        organization_id: &str,
        email: &str,
        login_redirect_url: Option<&str>,
    ) -> Result<(), ServiceError> {
        let mut req = LoginOrSignupRequest::new(organization_id, email);
        req.login_redirect_url = login_redirect_url.map(str::to_owned);
        self.stytch.magic_links_email_login_or_signup(&req).await?;
        Ok(())
    }

    /// Email a password-reset link.
    #[tracing::instrument(name = "start password reset", skip_all, fields(organization_id))]
    pub async fn start_password_reset(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<(), ServiceError> {
        self.stytch
            .passwords_email_reset_start(&PasswordResetStartRequest::new(organization_id, email))
            .await?;
        Ok(())
    }

    #[tracing::instrument(name = "login with magic link", skip_all)]
    pub async fn login_with_magic_link(&self, token: Secret) -> Result<LoginStep, ServiceError> {
        let mut req = MagicLinkAuthenticateRequest::new(token);
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.magic_links_authenticate(&req).await?;
        self.start(resp).await
    }

    #[tracing::instrument(name = "login with password", skip_all, fields(organization_id))]
    pub async fn login_with_password(
        &self,
        organization_id: &str,
        email: &str,
        password: Secret,
    ) -> Result<LoginStep, ServiceError> {
        let mut req = PasswordAuthenticateRequest::new(organization_id, email, password);
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.passwords_authenticate(&req).await?;
        self.start(resp).await
    }

    #[tracing::instrument(name = "login with password reset link", skip_all)]
    pub async fn login_with_password_reset(
        &self,
        reset_token: Secret,
        new_password: Secret,
    ) -> Result<LoginStep, ServiceError> {
        let mut req = PasswordEmailResetRequest::new(reset_token, new_password);
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.passwords_email_reset(&req).await?;
        self.start(resp).await
    }

    #[tracing::instrument(
        name = "login with existing password reset",
        skip_all,
        fields(organization_id)
    )]
    pub async fn login_with_existing_password_reset(
        &self,
        organization_id: &str,
        email: &str,
        existing_password: Secret,
        new_password: Secret,
    ) -> Result<LoginStep, ServiceError> {
        let mut req = ExistingPasswordResetRequest::new(
            organization_id,
            email,
            existing_password,
            new_password,
        );
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.passwords_existing_password_reset(&req).await?;
        self.start(resp).await
    }

    #[tracing::instrument(name = "login with SSO", skip_all)]
    pub async fn login_with_sso(&self, sso_token: Secret) -> Result<LoginStep, ServiceError> {
        let mut req = SsoAuthenticateRequest::new(sso_token);
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.sso_authenticate(&req).await?;
        self.start(resp).await
    }

    #[tracing::instrument(name = "login with OAuth", skip_all)]
    pub async fn login_with_oauth(&self, oauth_token: Secret) -> Result<LoginStep, ServiceError> {
        let mut req = OauthAuthenticateRequest::new(oauth_token);
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.oauth_authenticate(&req).await?;
        self.start(resp).await
    }

    /// Move an existing session into another organization of the same member.
    #[tracing::instrument(name = "exchange session", skip_all, fields(organization_id))]
    pub async fn exchange_session(
        &self,
        session_token: SessionToken,
        organization_id: &str,
    ) -> Result<LoginStep, ServiceError> {
        let mut req =
            SessionExchangeRequest::new(organization_id, SessionAuth::Token(session_token));
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = self.stytch.sessions_exchange(&req).await?;
        self.start(resp).await
    }

    /// Any primary-auth response → routed in memory → stored once, in the state it routed to.
    pub(crate) async fn start(&self, resp: PrimaryAuthResponse) -> Result<LoginStep, ServiceError> {
        let now = self.clock.now();
        let flow = PrimaryAuthed::from_primary_response(&resp, now, self.config.session_lifetime)?;
        tracing::debug!(flow_id = %flow.id(), mfa_required = flow.mfa_required(), "primary factor accepted");
        self.insert_routed(flow.route()).await
    }
}
