#!/usr/bin/env python3
"""Write a ~1 MB nginx.conf with 2,000 server blocks and 10,000 locations (5 per server),
a mix of prefix, exact and regex locations with auth directives, to benchmark authlint."""
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "big-nginx.conf"
parts = ["worker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n    include mime.types;\n"]
for s in range(2000):
    parts.append(f"    server {{\n        listen 80;\n        server_name s{s}.example.org;\n        root /srv/s{s};\n")
    parts.append(f"        location / {{ try_files $uri $uri/ =404; }}\n")
    parts.append(f"        location /admin/ {{ auth_basic \"admin {s}\"; auth_basic_user_file /etc/nginx/u{s}; }}\n")
    parts.append(f"        location = /health {{ access_log off; return 200 \"ok\"; }}\n")
    parts.append(f"        location ~ \\.php$ {{ fastcgi_pass unix:/run/php/php-fpm.sock; include fastcgi_params; }}\n")
    parts.append(f"        location ^~ /static/ {{ expires 30d; add_header Cache-Control \"public\"; }}\n")
    parts.append("    }\n")
parts.append("}\n")
with open(out, "w") as f:
    f.write("".join(parts))
