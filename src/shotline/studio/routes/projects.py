"""Projects and their members. Any user may create a project (and is its first member);
members add and remove members; only an admin deletes a project."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shotline.studio.deps import AdminUser, CurrentUser, Member, Services
from shotline.studio.projects import Project
from shotline.studio.schemas import Body

router = APIRouter(prefix="/api/projects", tags=["projects"])


class ProjectOut(BaseModel):
    id: str
    name: str
    created_by: str
    created_at: datetime
    members: list[str]

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls(
            id=project.id,
            name=project.name,
            created_by=project.created_by,
            created_at=project.created_at,
            members=list(project.members),
        )


class NewProject(Body):
    id: str = Field(max_length=64, description="slug: lowercase letters, digits, '_', '-'")
    name: str = Field("", max_length=200)


class NewMember(Body):
    name: str = Field(max_length=64)


@router.get("")
def list_projects(user: CurrentUser, services: Services) -> list[ProjectOut]:
    """Your projects (an admin sees every project)."""
    return [ProjectOut.of(p) for p in services.projects.list(user)]


@router.post("", status_code=201, responses={409: {}, 422: {}})
def create_project(body: NewProject, user: CurrentUser, services: Services) -> ProjectOut:
    return ProjectOut.of(services.projects.create(body.id, body.name, user.name))


@router.get("/{project}")
def get_project(access: Member, services: Services) -> ProjectOut:
    return ProjectOut.of(services.projects.get(access.project))


@router.delete("/{project}", status_code=204)
def delete_project(project: str, admin: AdminUser, services: Services) -> None:
    services.projects.delete(project)
    services.events.forget(project)


@router.post("/{project}/members", responses={404: {}})
def add_member(body: NewMember, access: Member, services: Services) -> ProjectOut:
    services.accounts.get(body.name)  # 404 for an unknown user
    return ProjectOut.of(services.projects.add_member(access.project, body.name))


@router.delete("/{project}/members/{name}")
def remove_member(name: str, access: Member, services: Services) -> ProjectOut:
    return ProjectOut.of(services.projects.remove_member(access.project, name))
