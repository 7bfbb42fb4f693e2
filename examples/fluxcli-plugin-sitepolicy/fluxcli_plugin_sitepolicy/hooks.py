"""Charge jobs to a project.

--site-project=NAME records NAME as attributes.user.project. Names with
spaces are refused before submission (the validate hook); --dry-run shows
the jobspec without validating, as Flux does.
"""

from fluxcli.plugins import CLIPluginOption, hookimpl


@hookimpl
def fluxcli_add_options(prog):
    return [
        CLIPluginOption(
            "--project", prefix="site", metavar="NAME", help="Charge the job to project NAME"
        )
    ]


@hookimpl
def fluxcli_modify_jobspec(args, jobspec):
    project = getattr(args, "site_project", None)
    if project:
        jobspec.setattr("user.project", project)


@hookimpl
def fluxcli_validate(jobspec):
    project = jobspec.attributes.get("user", {}).get("project")
    if project and " " in project:
        raise ValueError(f"invalid project '{project}': project names have no spaces")
