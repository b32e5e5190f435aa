(() => {
  var form = document.getElementById('login-form');
  var user = document.getElementById('login_username');
  var pass = document.getElementById('login_passwd');
  var status = document.getElementById('sds-login-dialog-status');
  form.addEventListener('submit', (e) => {
    if (!user.value) {
      e.preventDefault();
      status.textContent = 'Please enter your account.';
      user.focus();
    } else if (!pass.value) {
      e.preventDefault();
      status.textContent = 'Please enter your password.';
      pass.focus();
    }
  });
})();
