"""A site with 10,000 .htaccess files (100 x 100 directories, each with its own Basic
auth realm) under one main config: the tree issue 8's `why` target is measured on."""
import os
import sys

root = os.path.abspath(sys.argv[1])
os.makedirs(os.path.join(root, "www"), exist_ok=True)
with open(os.path.join(root, "httpd.conf"), "w") as f:
    f.write(
        f"ServerRoot {root}\n"
        "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n"
        "LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so\n"
        "LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so\n"
        "LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so\n"
        "Listen 8080\n"
        f"DocumentRoot {root}/www\n"
        f"<Directory {root}/www>\n  AllowOverride AuthConfig\n  Require all granted\n</Directory>\n"
    )
with open(os.path.join(root, "users"), "w") as f:
    f.write("alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n")
for a in range(100):
    for b in range(100):
        d = os.path.join(root, "www", f"d{a}", f"e{b}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, ".htaccess"), "w") as f:
            f.write(
                f'AuthType Basic\nAuthName "Area {a}-{b}"\n'
                f"AuthUserFile {root}/users\nRequire valid-user\n"
            )
with open(os.path.join(root, "www", "d7", "e7", "index.html"), "w") as f:
    f.write("x\n")
