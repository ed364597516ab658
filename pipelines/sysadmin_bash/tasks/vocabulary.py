"""The values the task grammar draws: folders, files, services, users, hosts, ports, patterns,
sizes and spans of days as requests say them. Made-up but typical; no real person's data."""

from __future__ import annotations

import random

from factory.surface import number
from pipelines.sysadmin_bash.tasks.grammar import lines

DIRS = lines("""
    /var/log
    /var/www
    /srv/app
    /home/deploy
    /opt/backups
    /tmp
    /etc/nginx
    /var/lib/docker
    /data
    /mnt/storage
    /srv/uploads
    /var/cache
    /home/alice/projects
    /opt/app/releases
    /var/lib/postgresql
    /srv/media
    ~/downloads
    ~/code
    .
    /usr/local/bin
    /var/spool/mail
    /backup
    /opt/jenkins
    /srv/git
    /var/tmp
""")
LOG_FILES = lines("""
    /var/log/syslog
    /var/log/auth.log
    /var/log/nginx/access.log
    /var/log/nginx/error.log
    /var/log/apache2/error.log
    /var/log/kern.log
    /var/log/mysql/error.log
    /srv/app/logs/app.log
    /var/log/dpkg.log
    app.log
    /var/log/messages
    /var/log/cron.log
    server.log
    /opt/app/logs/worker.log
""")
FILES = lines("""
    config.yaml
    /etc/hosts
    /etc/fstab
    deploy.sh
    backup.sh
    notes.txt
    /etc/ssh/sshd_config
    /etc/nginx/nginx.conf
    requirements.txt
    docker-compose.yml
    /etc/passwd
    data.csv
    report.pdf
    settings.ini
    .env
    /etc/crontab
    index.html
    run.py
    users.csv
    /etc/resolv.conf
    install.sh
    todo.md
""")
SCRIPTS = lines("""
    deploy.sh
    backup.sh
    install.sh
    run.sh
    cleanup.sh
    start.sh
    build.sh
""")
EXTENSIONS = lines("""
    log
    tmp
    txt
    py
    jpg
    conf
    csv
    bak
    gz
    pdf
    json
    sh
    mp4
""")
SERVICES = lines("""
    nginx
    apache2
    docker
    ssh
    postgresql
    mysql
    redis-server
    cron
    php8.2-fpm
    grafana-server
    jenkins
    fail2ban
    mongod
    rabbitmq-server
    haproxy
    prometheus
    containerd
    ufw
    networking
    bind9
""")
PROCESSES = lines("""
    python3
    node
    java
    nginx
    firefox
    chrome
    ruby
    php
    gunicorn
    celery
""")
USERS = lines("""
    deploy
    alice
    bob
    jenkins
    www-data
    backup
    dev
    maria
    ci
    tom
""")
GROUPS = lines("""
    docker
    sudo
    www-data
    developers
    adm
    wheel
    staff
    audio
""")
HOSTS = lines("""
    backup01
    web1.example.com
    10.0.0.5
    db.internal
    192.168.1.40
    build-server
    staging.example.org
    203.0.113.7
    nas.local
    gitlab.example.com
""")
URLS = lines("""
    https://example.com/install.sh
    https://downloads.example.org/app-2.4.1.tar.gz
    https://example.com/data.json
    https://releases.example.net/tool_linux_amd64.zip
    https://mirror.example.com/ubuntu.iso
    http://10.0.0.5:8080/health
    https://api.example.com/v1/status
    https://example.org/backup.sql.gz
""")
PORTS = [22, 80, 443, 3000, 3306, 5432, 6379, 8000, 8080, 8443, 9000, 9090, 5000, 27017]
PATTERNS = lines("""
    error
    ERROR
    timeout
    Failed password
    connection refused
    TODO
    warning
    segfault
    out of memory
    404
    denied
    panic
    OOM
    exception
    localhost
""")
MODES = {
    "755": "rwxr-xr-x",
    "644": "rw-r--r--",
    "600": "only the owner can read and write",
    "700": "only the owner can do anything",
    "775": "group-writable",
    "640": "rw-r-----",
}
ARCHIVES = lines("""
    backup
    site
    logs
    project
    release
    configs
    photos
    db-dump
""")
PACKAGES = lines("""
    htop
    curl
    nginx
    git
    vim
    tmux
    jq
    ncdu
    docker.io
    python3-pip
    build-essential
    fail2ban
    tree
    unzip
    net-tools
""")
SIZES = [
    (10, "M"),
    (50, "M"),
    (100, "M"),
    (200, "M"),
    (500, "M"),
    (1, "G"),
    (2, "G"),
    (5, "G"),
    (500, "k"),
    (20, "M"),
]
SIZE_WORDS = {
    "M": ["MB", "M", "megabytes", "mb", " MB"],
    "G": ["GB", "G", "gigs", "gb", " GB"],
    "k": ["KB", "k", "kilobytes", "kb"],
}
DISKS = lines("""
    /dev/sdb1
    /dev/sdc1
    /dev/nvme1n1p1
    /dev/sda2
    /dev/vdb
""")
MOUNTS = lines("""
    /mnt/data
    /mnt/usb
    /mnt/backup
    /media/disk
    /srv/storage
""")


def size(rng: random.Random) -> tuple[str, str]:
    """("+100M" for find, "100MB" as written)."""
    amount, unit = rng.choice(SIZES)
    return f"+{amount}{unit}", f"{amount}{rng.choice(SIZE_WORDS[unit])}".replace("  ", " ")


def days(rng: random.Random) -> tuple[int, str]:
    """A number of days and how a request says it ("7 days", "a week", "two weeks")."""
    value = rng.choice([1, 2, 3, 5, 7, 7, 10, 14, 14, 30, 30, 60, 90, 180, 365])
    named = {
        1: ["a day", "24 hours", "1 day"],
        7: ["a week", "7 days", "one week"],
        14: ["two weeks", "14 days", "2 weeks"],
        30: ["a month", "30 days"],
        365: ["a year", "365 days"],
        90: ["90 days", "three months"],
        180: ["six months", "180 days"],
    }
    if value in named and rng.random() < 0.6:
        return value, rng.choice(named[value])
    return value, f"{number(value, rng)} days"
