"""Task families: Processes, the machine (memory, kernel, clock, mounts, power), systemd services
and the journal.

Each family returns (request, command, explanation); see tasks/__init__.py."""

from __future__ import annotations

from factory.surface import number
from pipelines.sysadmin_bash.tasks.grammar import family, say
from pipelines.sysadmin_bash.tasks.vocabulary import (
    DISKS,
    MOUNTS,
    PROCESSES,
    SCRIPTS,
    SERVICES,
    USERS,
)

# ---- processes --------------------------------------------------------------------------------------


@family
def top_memory(rng):
    n = rng.choice([3, 5, 5, 10, 10, 15])
    text = say(
        rng,
        """
        top {n} processes by memory
        which {n} processes use the most ram
        what's eating my memory? show the top {n}
        list the {n} most memory hungry processes
    """,
        n=number(n, rng),
    )
    return (
        text,
        f"ps aux --sort=-%mem | head -n {n + 1}",
        f"Lists processes by memory use, largest first, and keeps the header and the top {n}.",
    )


@family
def top_cpu(rng):
    n = rng.choice([3, 5, 5, 10, 10])
    text = say(
        rng,
        """
        top {n} processes by cpu
        which {n} processes are using the most cpu
        what's hogging the cpu, top {n}
        show the {n} busiest processes
    """,
        n=number(n, rng),
    )
    return (
        text,
        f"ps aux --sort=-%cpu | head -n {n + 1}",
        f"Lists processes by CPU use, busiest first, and keeps the header and the top {n}.",
    )


@family
def find_process(rng):
    name = rng.choice(PROCESSES)
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            is {n} running
            show the {n} processes
            find the process for {n}
            are there any {n} processes?
        """,
            n=name,
        )
        return (
            text,
            f"ps aux | grep {name}",
            f"Lists the running processes and keeps those mentioning {name}.",
        )
    text = say(
        rng,
        """
        what's the pid of {n}
        get the process ids of {n}
        pid of every {n} process
    """,
        n=name,
    )
    return text, f"pgrep {name}", f"Prints the process IDs of the processes named {name}."


@family
def kill_process(rng):
    pid = rng.choice([1234, 4312, 2087, 31337, 9876, 15022, 777, 48213])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            kill process {p}
            stop pid {p}
            terminate process {p}
            end the process with id {p}
        """,
            p=pid,
        )
        return text, f"kill {pid}", f"Sends SIGTERM to process {pid}."
    text = say(
        rng,
        """
        force kill {p}
        kill -9 process {p}
        process {p} is stuck, kill it hard
        kill pid {p} with sigkill
    """,
        p=pid,
    )
    return text, f"kill -9 {pid}", f"Sends SIGKILL to process {pid}, which cannot ignore it."


@family
def kill_by_name(rng):
    name = rng.choice(PROCESSES)
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            kill all {n} processes
            stop every process named {n}
            terminate {n} everywhere
        """,
            n=name,
        )
        return text, f"pkill {name}", f"Sends SIGTERM to every process named {name}."
    text = say(
        rng,
        """
        force-kill each {n} process
        kill -9 all {n} processes
        {n} is frozen, kill all of them hard
    """,
        n=name,
    )
    return text, f"pkill -9 {name}", f"Sends SIGKILL to every process named {name}."


@family
def processes_of_user(rng):
    user = rng.choice(USERS)
    text = say(
        rng,
        """
        what is {u} running
        list the processes of user {u}
        show {u}'s processes
    """,
        u=user,
    )
    return text, f"ps -u {user}", f"Lists the processes that belong to {user}."


@family
def process_tree(rng):
    text = say(
        rng,
        """
        show the process tree
        processes as a tree
        which process started which, as a tree
    """,
    )
    return text, "pstree -p", "Shows the running processes as a tree, with their IDs."


@family
def run_in_background(rng):
    script = rng.choice(SCRIPTS + ["server.py", "worker.py"])
    runner = "python3 " if script.endswith(".py") else "./"
    text = say(
        rng,
        """
        launch {s} so it survives closing the ssh session
        start {s} detached from the terminal, surviving logout
        nohup {s}
    """,
        s=script,
    )
    return (
        text,
        f"nohup {runner}{script} &",
        f"Runs {script} in the background, immune to the hang-up sent at logout.",
    )


@family
def renice_process(rng):
    pid, nice = rng.choice([1234, 4312, 2087, 9876]), rng.choice([5, 10, 15, 19])
    text = say(
        rng,
        """
        lower the priority of process {p} to nice {n}
        renice pid {p} to {n}
    """,
        p=pid,
        n=nice,
    )
    return text, f"renice -n {nice} -p {pid}", f"Sets the niceness of process {pid} to {nice}."


# ---- system -----------------------------------------------------------------------------------------

SYSTEM_FACTS = [
    (
        """
            how much ram is free
            memory usage
            show free memory in human readable units
            how much memory do i have left
            check ram and swap usage
        """,
        "free -h",
        "Shows used and free memory and swap in human-readable units.",
    ),
    (
        """
            how long since this server booted
            uptime and load average
            what's the load on this server
            when did the machine last reboot
        """,
        "uptime",
        "Shows how long the system has run and its load averages.",
    ),
    (
        """
            which kernel am i running
            kernel version
            what linux kernel is this
        """,
        "uname -r",
        "Prints the kernel release.",
    ),
    (
        """
            show all system info from uname
            full kernel and machine info
            uname everything
        """,
        "uname -a",
        "Prints the kernel name, release, version, machine and host name.",
    ),
    (
        """
            how many cores are there
            number of cpus
            core count
        """,
        "nproc",
        "Prints the number of processing units available.",
    ),
    (
        """
            details about the cpu
            what processor is in this box
            cpu model and architecture
        """,
        "lscpu",
        "Shows the CPU's architecture, model, cores and caches.",
    ),
    (
        """
            list the disks and partitions
            show block devices
            what drives are attached
        """,
        "lsblk",
        "Lists block devices (disks, partitions) as a tree.",
    ),
    (
        """
            what os version is this
            which distro and release am i on
            show the os release info
        """,
        "cat /etc/os-release",
        "Prints the distribution's name and version.",
    ),
    (
        """
            who is logged in right now
            show logged in users
            list current sessions
        """,
        "who",
        "Lists the users logged in now.",
    ),
    (
        """
            what's my username
            which user am i
            who am i logged in as
        """,
        "whoami",
        "Prints the name of the current user.",
    ),
    (
        """
            what time is it on this server
            show the current date and time
            server date
        """,
        "date",
        "Prints the current date and time.",
    ),
    (
        """
            show the timezone and ntp status
            is the clock synced, what timezone
            time settings of this machine
        """,
        "timedatectl",
        "Shows the system clock, time zone and NTP synchronisation.",
    ),
    (
        """
            what's this machine's hostname
            show the hostname
            name of this server
        """,
        "hostname",
        "Prints the host name.",
    ),
    (
        """
            list loaded kernel modules
            which kernel modules are loaded
            show modules
        """,
        "lsmod",
        "Lists the loaded kernel modules.",
    ),
    (
        """
            recent logins
            who logged in lately
            login history
        """,
        "last",
        "Lists recent logins and reboots.",
    ),
    (
        """
            show the environment variables
            print all env vars
            what environment variables are set
        """,
        "printenv",
        "Prints every environment variable.",
    ),
    (
        """
            list mounted filesystems
            what's mounted where
            show mounts
        """,
        "findmnt",
        "Lists mounted file systems as a tree.",
    ),
]


@family
def system_fact(rng):
    phrasings, command, explanation = rng.choice(SYSTEM_FACTS)
    return say(rng, phrasings), command, explanation


@family
def kernel_messages(rng):
    n = rng.choice([10, 20, 30, 50])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            last {n} kernel messages
            recent dmesg output, {n} lines
            tail of dmesg ({n} lines)
        """,
            n=number(n, rng),
        )
        return text, f"dmesg | tail -n {n}", f"Prints the last {n} kernel ring buffer messages."
    text = say(
        rng,
        """
        dmesg but with wall-clock times
        dmesg with human times
        show dmesg with real dates
    """,
    )
    return text, "dmesg -T", "Prints the kernel messages with human-readable timestamps."


@family
def set_hostname(rng):
    name = rng.choice(["web01", "db-primary", "build-box", "pi-hole", "staging-2"])
    text = say(
        rng,
        """
        change the hostname to {n}
        rename this machine {n}
        set hostname {n} permanently
    """,
        n=name,
    )
    return text, f"hostnamectl set-hostname {name}", f"Sets the host name to {name}."


@family
def set_timezone(rng):
    zone = rng.choice(
        [
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Asia/Tokyo",
            "Europe/London",
            "Australia/Sydney",
        ]
    )
    text = say(
        rng,
        """
        set the timezone to {z}
        change the server's time zone to {z}
        switch timezone to {z}
    """,
        z=zone,
    )
    return text, f"timedatectl set-timezone {zone}", f"Sets the system time zone to {zone}."


@family
def mount_disk(rng):
    disk, mount = rng.choice(DISKS), rng.choice(MOUNTS)
    if rng.random() < 0.65:
        text = say(
            rng,
            """
            mount {d} at the folder {m}
            mount the partition {d} at {m}
            attach {d} to {m}
        """,
            d=disk,
            m=mount,
        )
        return text, f"mount {disk} {mount}", f"Mounts {disk} on {mount}."
    text = say(
        rng,
        """
        unmount {m}
        detach the drive mounted at {m}
        umount {m}
    """,
        m=mount,
    )
    return text, f"umount {mount}", f"Unmounts the file system on {mount}."


@family
def reboot_or_shutdown(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            """
            reboot the server now
            restart the machine right now
            reboot
        """,
        )
        return text, "reboot", "Restarts the machine."
    if kind == 1:
        text = say(
            rng,
            """
            shut down now
            power off the machine immediately
            turn the server off now
        """,
        )
        return text, "shutdown -h now", "Halts and powers off the machine now."
    minutes = rng.choice([5, 10, 15, 30])
    text = say(
        rng,
        """
        shut down in {m} minutes
        schedule a shutdown {m} minutes from now
    """,
        m=number(minutes, rng),
    )
    return text, f"shutdown -h +{minutes}", f"Powers the machine off in {minutes} minutes."


# ---- services and logs ------------------------------------------------------------------------------

SERVICE_ACTIONS = {
    "start": """
        start {s}
        bring up {s}
        start the {s} service
        can you start {s}
    """,
    "stop": """
        stop {s}
        shut down the {s} service
        stop the {s} daemon
    """,
    "restart": """
        restart {s}
        bounce {s}
        restart the {s} service
        {s} is misbehaving, restart it
    """,
    "reload": """
        reload {s} config without restarting
        reload {s}
        make {s} re-read its config
    """,
    "status": """
        status of {s}
        is {s} ok? show its status
        check the {s} service
        how is {s} doing
    """,
    "enable": """
        make {s} start at boot
        enable {s} on startup
        enable the {s} service
    """,
    "disable": """
        stop {s} from starting at boot
        disable {s} at startup
        disable the {s} service
    """,
    "is-active": """
        is {s} running right now
        is the {s} service up?
        check whether {s} is active
    """,
    "is-enabled": """
        is {s} enabled at boot
        will {s} start on boot?
    """,
}


@family
def service_action(rng):
    service, action = rng.choice(SERVICES), rng.choice(list(SERVICE_ACTIONS))
    text = say(rng, SERVICE_ACTIONS[action], s=service)
    return (
        text,
        f"systemctl {action} {service}",
        f"Runs systemctl {action} on the {service} service.",
    )


@family
def enable_now(rng):
    service = rng.choice(SERVICES)
    text = say(
        rng,
        """
        enable {s} and start it right away
        start {s} now and on every boot
        turn on {s} permanently, starting now
    """,
        s=service,
    )
    return (
        text,
        f"systemctl enable --now {service}",
        f"Enables {service} at boot and starts it now.",
    )


@family
def service_lists(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            """
            list running services
            which services are running
            show active services
        """,
        )
        return (
            text,
            "systemctl list-units --type=service --state=running",
            "Lists the services running now.",
        )
    if kind == 1:
        text = say(
            rng,
            """
            list the units in a failed state
            show failed units
            anything broken in systemd?
        """,
        )
        return text, "systemctl --failed", "Lists the units that failed."
    text = say(
        rng,
        """
        reload systemd after editing a unit file
        make systemd pick up my changed unit files
    """,
    )
    return text, "systemctl daemon-reload", "Reloads systemd's unit files."


@family
def service_logs(rng):
    service = rng.choice(SERVICES)
    kind = rng.randrange(6)
    if kind == 0:
        text = say(
            rng,
            """
            logs for {s}
            show the {s} service logs
            journal entries of {s}
        """,
            s=service,
        )
        return text, f"journalctl -u {service}", f"Shows the journal of the {service} unit."
    if kind == 1:
        text = say(
            rng,
            """
            follow the {s} logs
            tail the {s} journal live
            stream {s}'s logs
        """,
            s=service,
        )
        return (
            text,
            f"journalctl -u {service} -f",
            f"Follows the journal of {service} as it is written.",
        )
    if kind == 2:
        since = rng.choice(["today", "yesterday"])
        text = say(
            rng,
            """
            {s} logs since {w}
            what did {s} log {w}
            journal of {s} from {w}
        """,
            s=service,
            w=since,
        )
        return (
            text,
            f"journalctl -u {service} --since {since}",
            f"Shows {service}'s journal since {since}.",
        )
    if kind == 3:
        hours = rng.choice([1, 2, 3, 6, 12, 24])
        unit = "hour" if hours == 1 else "hours"
        said = (
            rng.choice([f"the last {number(hours, rng)} {unit}", f"the past {hours} {unit}"])
            if hours > 1
            else rng.choice(["the last hour", "the past hour"])
        )
        text = say(
            rng,
            """
            {s} logs from {h}
            what did {s} log in {h}
            show the journal for {s} over {h}
        """,
            s=service,
            h=said,
        )
        return (
            text,
            f"journalctl -u {service} --since '{hours} {unit} ago'",
            f"Shows {service}'s journal for the last {hours} {unit}.",
        )
    if kind == 4:
        n = rng.choice([20, 50, 100, 200])
        text = say(
            rng,
            """
            last {n} log lines of {s}
            the most recent {n} journal entries for {s}
        """,
            s=service,
            n=number(n, rng),
        )
        return (
            text,
            f"journalctl -u {service} -n {n}",
            f"Shows the last {n} journal entries of {service}.",
        )
    text = say(
        rng,
        """
        errors in the journal since boot
        show only error messages from this boot
        any errors logged since the last reboot?
    """,
    )
    return text, "journalctl -p err -b", "Shows the journal's error messages since the last boot."


@family
def journal_misc(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            """
            follow the system journal
            watch all system logs live
            tail the whole journal
        """,
        )
        return text, "journalctl -f", "Follows the whole system journal."
    if kind == 1:
        text = say(
            rng,
            """
            logs from the current boot
            journal since this boot
            everything logged since startup
        """,
        )
        return text, "journalctl -b", "Shows the journal of the current boot."
    text = say(
        rng,
        """
        how much space do the journal logs use
        journal disk usage
    """,
    )
    return text, "journalctl --disk-usage", "Shows how much disk the journal files use."
