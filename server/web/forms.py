"""The pages' forms. flask-wtf adds and checks the CSRF token of each one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

EXPIRY_CHOICES = [
    SelectChoice("never", "Never"),
    SelectChoice("7", "In 7 days"),
    SelectChoice("30", "In 30 days"),
    SelectChoice("90", "In 90 days"),
    SelectChoice("365", "In 1 year"),
    SelectChoice("date", "On a date…"),
]


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class CreateKeyForm(FlaskForm):
    """Scopes are read from the request as a list and checked by the key service against the
    scopes the user holds (the checkboxes offer only those; a forged form is refused there)."""

    name = StringField(
        "Name",
        validators=[DataRequired(message="Give the key a name."), Length(max=100)],
        description="What the key is for, e.g. “CI deploys”.",
    )
    expiry = SelectField("Expires", choices=EXPIRY_CHOICES, default="90")
    expiry_date = DateField("Expiry date", validators=[Optional()])

    def validate_expiry_date(self, field: DateField) -> None:
        if self.expiry.data == "date" and field.data <= datetime.now(UTC).date():
            raise ValidationError("Pick a date after today.")

    def validate(
        self, extra_validators: Mapping[str, Sequence[Callable[[Any, Any], object]]] | None = None
    ) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the date's own checks when it is empty; "On a date" needs one.
        if self.expiry.data == "date" and self.expiry_date.data is None:
            if not self.expiry_date.errors:
                self.expiry_date.errors = ["Pick the date the key stops working."]
            return False
        return valid


class ConfirmForm(FlaskForm):
    """A button that only posts the CSRF token (sign out, revoke)."""


class RegisterAppForm(FlaskForm):
    """An app for Sign in with TRaX. Scopes are read as a list and checked by the OAuth
    service; redirect URIs one a line."""

    name = StringField(
        "Name",
        validators=[DataRequired(message="Give the app a name."), Length(max=100)],
    )
    redirect_uris = TextAreaField(
        "Redirect URIs",
        validators=[DataRequired(message="Give at least one redirect URI."), Length(max=5000)],
    )
    kind = RadioField(
        "Kind",
        choices=[
            SelectChoice("public", "Public: a native, desktop or single-page app (no secret)"),
            SelectChoice("confidential", "Confidential: a server-side app that keeps a secret"),
        ],
        default="public",
    )
